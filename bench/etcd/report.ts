/**
 * Output: one JSON object per figure and per Concord/etcd comparison (one per line, for
 * machines), and a table (for people). Throughput ratio >= 1 is better for Concord;
 * latency ratio <= 1 is better.
 */
import type { Figure } from './figure.js';

export interface Ratio {
  readonly workload: string;
  readonly members: number;
  readonly generator: Figure['generator'];
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

export function ratio(concord: Figure, etcd: Figure): Ratio {
  return {
    workload: concord.workload,
    members: concord.members,
    generator: concord.generator,
    throughput: concord.throughput / etcd.throughput,
    p50: concord.p50Ms / etcd.p50Ms,
    p99: concord.p99Ms / etcd.p99Ms,
    p999: concord.p999Ms / etcd.p999Ms,
  };
}

/**
 * One JSON line: `round` (one round of a figure), `figure` (a measurement, its rounds
 * combined), `ratio` (Concord/etcd for one workload), or `generator-check` (the Node
 * generator's figure on etcd, beside etcd-benchmark's).
 */
export function jsonLine(
  kind: 'round' | 'figure' | 'ratio' | 'generator-check',
  value: Figure | Ratio,
): string {
  return JSON.stringify({ type: kind, ...round(value) });
}

function round<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
  return out as T;
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const rate = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);

/**
 * The human table: per workload, both servers' figures and the ratios. A workload marked
 * `*` saw a leader change on one side during its run (an election is in its figures).
 */
export function table(rows: readonly { etcd: Figure; concord: Figure }[]): string {
  const header = [
    'workload',
    'gen',
    'etcd tput',
    'concord tput',
    'ratio',
    'p50 ms e/c',
    'ratio',
    'p99 ms e/c',
    'ratio',
    'p99.9 ms e/c',
    'ratio',
    'gen cores e/c',
    'srv cores e/c',
    'errors e/c',
  ];
  const lines = rows.map(({ etcd, concord }) => {
    const r = ratio(concord, etcd);
    const election = etcd.leaderChanged === true || concord.leaderChanged === true;
    return [
      `${etcd.workload}${election ? ' *' : ''}`,
      etcd.generator === 'node' ? 'node' : 'etcd-bm',
      `${rate(etcd.throughput)} ${etcd.unit}`,
      rate(concord.throughput),
      fmt(r.throughput),
      `${fmt(etcd.p50Ms)}/${fmt(concord.p50Ms)}`,
      fmt(r.p50),
      `${fmt(etcd.p99Ms)}/${fmt(concord.p99Ms)}`,
      fmt(r.p99),
      `${fmt(etcd.p999Ms)}/${fmt(concord.p999Ms)}`,
      fmt(r.p999),
      `${fmt(etcd.generatorCores)}/${fmt(concord.generatorCores)}`,
      `${fmt(etcd.serverCores)}/${fmt(concord.serverCores)}`,
      `${etcd.errors}/${concord.errors}`,
    ];
  });
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    )
    .join('\n');
}
