/**
 * The run directory's summary: report.txt (what ran, the faults in order, each checker's
 * verdict, every anomaly with the operations involved) and summary.json (the same, for tools).
 * The HTML timeline comes from test/chaos/report when it is there.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Anomaly, CheckResult } from './checker/result.js';
import type { HistoryEvent } from './history/event.js';
import { describeOperation } from './history/operation.js';
import type { NemesisEvent } from './nemesis/nemesis.js';
import type { RunOptions } from './run.js';

export interface ReportInput {
  readonly dir: string;
  readonly options: RunOptions;
  readonly mode: string;
  readonly events: readonly HistoryEvent[];
  readonly nemesisEvents: readonly NemesisEvent[];
  readonly results: readonly CheckResult[];
  readonly anomalies: readonly Anomaly[];
  readonly verdict: string;
  readonly startedAt: Date;
  readonly endedAt: bigint;
}

/** Anomalies listed in full, at most (the rest are counted). */
const anomaliesShownMax = 20;

export function writeReport(input: ReportInput): void {
  const first = input.events[0]?.time ?? input.nemesisEvents[0]?.time ?? 0n;
  const at = (time: bigint): string => `${(Number(time - first) / 1e9).toFixed(3)} s`;
  const lines: string[] = [];
  const { options } = input;
  lines.push(`Concord chaos run, seed ${options.seed}, started ${input.startedAt.toISOString()}`);
  lines.push(
    `members: ${options.size ?? 3} (${input.mode}); workloads: ${options.workloads.join(', ')}; ` +
      `nemeses: ${options.nemeses.join(', ') || 'none'}; ${options.timeS} s`,
  );
  lines.push(
    `replay: npm run chaos -- --workload ${options.workloads.join(',')} --nemesis ${options.nemeses.join(',') || 'none'} --time ${options.timeS} --seed ${options.seed}${options.size !== undefined ? ` --size ${options.size}` : ''}`,
  );
  lines.push('', 'Faults:');
  for (const e of input.nemesisEvents) {
    lines.push(
      `  ${at(e.time).padStart(10)}  ${e.phase.padEnd(5)} ${e.nemesis}${e.detail ? `: ${e.detail}` : ''}`,
    );
  }
  lines.push('', 'Operations:');
  const counts = new Map<string, number>();
  for (const e of input.events) {
    if (e.type === 'invoke') continue;
    const k = `${e.f} ${e.type}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of [...counts].sort()) lines.push(`  ${k}: ${n}`);
  lines.push('', 'Checkers:');
  for (const r of input.results) {
    lines.push(
      `  ${r.checker}: ${r.valid === true ? 'valid' : r.valid === false ? 'INVALID' : 'unknown'}`,
    );
    for (const note of r.notes ?? []) lines.push(`    note: ${note}`);
  }
  lines.push('', `Anomalies (${input.anomalies.length}):`);
  for (const a of input.anomalies.slice(0, anomaliesShownMax)) {
    lines.push(`  [${a.checker}/${a.kind}] ${a.message}`);
    for (const op of a.ops.slice(0, 30)) {
      lines.push(
        `      ${at(op.invokeTime)}  ${describeOperation(op)}${op.error ? ` (${op.error})` : ''}`,
      );
    }
  }
  if (input.anomalies.length > anomaliesShownMax) {
    lines.push(`  ... and ${input.anomalies.length - anomaliesShownMax} more`);
  }
  lines.push('', input.verdict, '');
  writeFileSync(join(input.dir, 'report.txt'), lines.join('\n'));
  writeFileSync(
    join(input.dir, 'summary.json'),
    JSON.stringify(
      {
        seed: options.seed,
        options: { ...options, log: undefined },
        verdict: input.verdict,
        results: input.results.map((r) => ({
          checker: r.checker,
          valid: r.valid,
          anomalies: r.anomalies.length,
          notes: r.notes,
        })),
        anomalies: input.anomalies.map((a) => ({
          checker: a.checker,
          kind: a.kind,
          key: a.key,
          message: a.message,
        })),
      },
      null,
      2,
    ),
  );
}
