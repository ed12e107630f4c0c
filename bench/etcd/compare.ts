/**
 * One cluster size compared: an etcd cluster and a Concord cluster of `members` started
 * side by side, warmed up, then each workload measured on etcd and on Concord in rounds
 * that take turns (rounds.ts), with the leader looked up afresh before each round (load
 * "through the leader" follows it) and a leader change during a round recorded on its
 * figure. Both clusters are stopped and their dirs removed before this returns, whatever
 * happens.
 */
import { Cleanup } from './cleanup.js';
import type { Leadership } from './cluster-leader.js';
import { startCluster, type BenchCluster } from './clusters.js';
import { etcdBenchmarkFigure, noWarmup, type Warmup } from './etcd-benchmark.js';
import type { Figure } from './figure.js';
import { nodeFigure } from './node-figure.js';
import type { BenchOptions } from './options.js';
import { combineRounds, nextRoundRate, roundOrder, roundsOf } from './rounds.js';
import { workloads as singleWorkloads, type Workload } from './workloads.js';

export interface Row {
  readonly etcd: Figure;
  readonly concord: Figure;
}

export interface CompareOptions {
  readonly bench: BenchOptions;
  /** The bench's own undo list: a signal mid-run stops this size's clusters too. */
  readonly cleanup: Cleanup;
  readonly members: number;
  readonly workloads: readonly Workload[];
  readonly generatorFor: (workload: Workload) => Figure['generator'];
  /** Called with each figure as soon as it is measured (the JSON lines). */
  readonly onFigure: (kind: 'round' | 'figure' | 'generator-check', figure: Figure) => void;
  /** Called with each workload's pair of figures. */
  readonly onRow: (row: Row) => void;
  /** Also measure these workloads on etcd with the Node generator (beside etcd-benchmark). */
  readonly checkGenerator: (row: Row) => boolean;
  readonly log: (line: string) => void;
}

interface Span {
  readonly seconds: number;
  readonly warmup: Warmup;
  /** For the log: "round 2/4". */
  readonly label?: string;
  /** The rate of this server's previous round of the workload, to size this one (etcd-benchmark). */
  readonly rate?: number;
}

async function measure(
  options: CompareOptions,
  cluster: BenchCluster,
  workload: Workload,
  generator: Figure['generator'],
  span: Span,
): Promise<Figure> {
  const { seconds, warmup, label, rate } = span;
  const { workers } = options.bench;
  const before = await cluster.leadership();
  const target = cluster.target(workload.target, before);
  options.log(
    `${workload.name} on ${options.members}-member ${cluster.server}${label === undefined ? '' : ` ${label}`} (leader member${before.leader + 1}, ${generator} generator, ${warmupText(warmup, generator)}, ${seconds} s)`,
  );
  const figure =
    generator === 'etcd-benchmark'
      ? await etcdBenchmarkFigure({
          workload,
          target,
          seconds,
          warmup,
          ...(rate === undefined ? {} : { rate }),
        })
      : await nodeFigure({
          workload,
          target,
          seconds,
          warmupSeconds: warmup.seconds,
          workersMax: workers,
        });
  const after = await cluster.leadership();
  return changed(before, after) ? { ...figure, leaderChanged: true } : figure;
}

const warmupOf = (bench: BenchOptions): Warmup => ({
  seconds: bench.warmupSeconds,
  requests: bench.warmupRequests,
});

const warmupText = (w: Warmup, generator: Figure['generator']): string =>
  generator === 'etcd-benchmark' && w.requests > 0
    ? `${w.seconds} s and ${w.requests} requests warm-up`
    : `${w.seconds} s warm-up`;

const changed = (a: Leadership, b: Leadership): boolean =>
  a.leader !== b.leader || a.term !== b.term;

export async function compare(options: CompareOptions): Promise<{ rows: Row[]; checks: Row[] }> {
  const { bench, members } = options;
  const cleanup = new Cleanup();
  options.cleanup.add(`the ${members}-member clusters`, () => cleanup.run());
  try {
    const timing = { heartbeatMs: bench.heartbeatMs, electionMs: bench.electionMs };
    const etcd = await startCluster(cleanup, {
      server: 'etcd',
      members,
      timing,
      etcdCommand: bench.etcdCommand,
    });
    const concord = await startCluster(cleanup, {
      server: 'concord',
      members,
      timing,
      ...(bench.cpuProfileDir === undefined ? {} : { cpuProfileDir: bench.cpuProfileDir }),
      ...(bench.concordRoot === undefined ? {} : { concordRoot: bench.concordRoot }),
    });
    for (const cluster of [etcd, concord])
      options.log(
        `${cluster.server}: ${cluster.members.map((m) => `${m.name} pid ${m.pid} on ${m.endpoint}`).join(', ')}; leader member${(await cluster.leadership()).leader + 1}`,
      );
    // Warm up both (Concord's JIT, both servers' first allocations); not reported.
    const warmup = singleWorkloads.find((w) => w.name === 'put-8B-100x10')!;
    for (const cluster of [etcd, concord])
      await nodeFigure({
        workload: warmup,
        target: cluster.target('leader', await cluster.leadership()),
        seconds: 1,
        workersMax: bench.workers,
      });

    const rows: Row[] = [];
    for (const workload of options.workloads) {
      const generator = options.generatorFor(workload);
      const rounds = roundsOf(workload, bench.rounds);
      const taken = { etcd: [] as Figure[], concord: [] as Figure[] };
      for (const side of roundOrder(rounds)) {
        const done = taken[side];
        const rate = nextRoundRate(done);
        const figure = await measure(
          options,
          side === 'etcd' ? etcd : concord,
          workload,
          generator,
          {
            seconds: bench.seconds / bench.rounds,
            // Warm once; a later round's pilot (etcd-benchmark) or start (Node) re-warms.
            warmup: done.length === 0 ? warmupOf(bench) : noWarmup,
            ...(rounds > 1 ? { label: `round ${done.length + 1}/${rounds}` } : {}),
            ...(rate === undefined ? {} : { rate }),
          },
        );
        if (rounds > 1) options.onFigure('round', figure);
        done.push(figure);
      }
      const row = { etcd: combineRounds(taken.etcd), concord: combineRounds(taken.concord) };
      options.onFigure('figure', row.etcd);
      options.onFigure('figure', row.concord);
      rows.push(row);
      options.onRow(row);
    }
    const checks: Row[] = [];
    for (const row of rows.filter(options.checkGenerator)) {
      const workload = options.workloads.find((w) => w.name === row.etcd.workload)!;
      const node = await measure(options, etcd, workload, 'node', {
        seconds: bench.seconds,
        warmup: warmupOf(bench),
      });
      options.onFigure('generator-check', node);
      checks.push({ etcd: row.etcd, concord: node });
    }
    return { rows, checks };
  } finally {
    options.log(`stopping the ${members}-member clusters, removing their temp dirs`);
    await cleanup.run();
  }
}
