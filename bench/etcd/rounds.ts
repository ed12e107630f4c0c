/**
 * A figure measured in rounds, etcd's and Concord's interleaved in ABBA order: etcd,
 * Concord, Concord, etcd, etcd, Concord, ... On a shared host the speed of the machine
 * drifts while a bench runs (other tenants; on these 2-core VMs etcd's own 1-client put rate
 * went from 242 to 509 ops/s between figures a minute apart), and one figure per server taken
 * back to back measured that drift as often as the servers. Over ABBA rounds a drift that is
 * linear in time falls on both servers alike, and a stall in one round weighs 1/N of a figure.
 */
import type { Figure } from './figure.js';
import type { Workload } from './workloads.js';

export type Side = Figure['server'];

/** A workload's rounds per server: the bench's, times the workload's factor (if any). */
export function roundsOf(workload: Workload, benchRounds: number): number {
  return benchRounds * (workload.roundsFactor ?? 1);
}

/** The order of `rounds` rounds per server: pairs alternate etcd-first and Concord-first. */
export function roundOrder(rounds: number): Side[] {
  const order: Side[] = [];
  for (let pair = 0; pair < rounds; pair++)
    order.push(
      ...(pair % 2 === 0 ? (['etcd', 'concord'] as const) : (['concord', 'etcd'] as const)),
    );
  return order;
}

/**
 * One server's rounds as one figure. Throughput and cores are totals over the rounds' time.
 * A percentile is the rounds' percentiles averaged, weighted by operations: etcd-benchmark
 * prints percentiles, not the latencies they come from, so the rounds cannot be pooled
 * exactly. Both servers' figures are combined by the same rule.
 */
export function combineRounds(rounds: readonly Figure[]): Figure {
  const first = rounds[0];
  if (first === undefined) throw new Error('combineRounds: no rounds');
  if (rounds.length === 1) return first;
  const seconds = sum(rounds, (r) => r.seconds);
  const ops = sum(rounds, (r) => r.ops);
  const weighted = (value: (r: Figure) => number): number =>
    ops > 0 ? sum(rounds, (r) => value(r) * r.ops) / ops : Number.NaN;
  const firstError = rounds.find((r) => r.firstError !== undefined)?.firstError;
  const leaderChanged = rounds.some((r) => r.leaderChanged === true);
  return {
    workload: first.workload,
    server: first.server,
    members: first.members,
    generator: first.generator,
    throughput: ops / seconds,
    unit: first.unit,
    p50Ms: weighted((r) => r.p50Ms),
    p99Ms: weighted((r) => r.p99Ms),
    p999Ms: weighted((r) => r.p999Ms),
    ops,
    errors: sum(rounds, (r) => r.errors),
    ...(firstError === undefined ? {} : { firstError }),
    seconds,
    generatorCores: sum(rounds, (r) => r.generatorCores * r.seconds) / seconds,
    serverCores: sum(rounds, (r) => r.serverCores * r.seconds) / seconds,
    ...(leaderChanged ? { leaderChanged } : {}),
    rounds: rounds.length,
  };
}

function sum(rounds: readonly Figure[], value: (r: Figure) => number): number {
  let total = 0;
  for (const r of rounds) total += value(r);
  return total;
}

/**
 * The rate that sizes a server's next etcd-benchmark round of a workload: its last round's,
 * measured over a whole round (undefined before the first, which is sized by its warm-up).
 */
export function nextRoundRate(done: readonly Figure[]): number | undefined {
  return done.length === 0 ? undefined : done[done.length - 1]!.throughput;
}
