// npm run bench — Concord beside etcd on this machine, the very same load on each: put,
// range (linearizable, serializable), txn compare-and-put, watch fan-out, lease keep-alive.
// For each cluster size asked (--members 1, 3 or 1,3; default 3) it starts an etcd cluster
// and a Concord cluster of that size on free loopback ports with temp data dirs and the same
// Raft timing (both fsync their WAL before acknowledging), measures each workload on each
// (through the leader, or spread over every member), and prints one JSON object per figure,
// the Concord/etcd ratios, and a table. Load comes from etcd's own `benchmark` tool where it
// is installed and runs the workload (see /work/shared/tools/build-etcd-benchmark), else
// from a Node generator spread over worker processes. Usage: npm run bench -- --help
import { appendFileSync } from 'node:fs';
import { Cleanup } from './etcd/cleanup.js';
import { compare, type Row } from './etcd/compare.js';
import { etcdBenchmarkSupports, haveEtcdBenchmark } from './etcd/etcd-benchmark.js';
import type { Figure } from './etcd/figure.js';
import { parseOptions, type BenchOptions } from './etcd/options.js';
import { jsonLine, ratio, table } from './etcd/report.js';
import { selectWorkloads, workloadsFor, type Workload } from './etcd/workloads.js';

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

function emit(options: BenchOptions, line: string): void {
  console.log(line);
  if (options.jsonFile !== undefined) appendFileSync(options.jsonFile, `${line}\n`);
}

function chooseGenerator(options: BenchOptions): (w: Workload) => Figure['generator'] {
  const etcdBenchmark = options.generator !== 'node' && haveEtcdBenchmark();
  if (options.generator === 'etcd-benchmark' && !etcdBenchmark)
    throw new Error(
      '--generator etcd-benchmark: not on PATH (/work/shared/tools/build-etcd-benchmark)',
    );
  log(
    etcdBenchmark
      ? 'generator: etcd-benchmark (etcd tools/benchmark) where it runs the workload, else node'
      : `generator: node (${options.generator === 'node' ? 'as asked' : 'etcd-benchmark not found'})`,
  );
  return (w) => (etcdBenchmark && etcdBenchmarkSupports(w) ? 'etcd-benchmark' : 'node');
}

/**
 * Generator check: high-rate workloads only; not lease (etcd-benchmark opens a stream per
 * keep-alive, KeepAliveOnce, the Node generator keeps one stream per client, so they differ).
 */
function checked(options: BenchOptions, workloads: readonly Workload[]): (row: Row) => boolean {
  return (row) => {
    const workload = workloads.find((w) => w.name === row.etcd.workload)!;
    return (
      options.checkGenerator &&
      row.etcd.generator === 'etcd-benchmark' &&
      workload.clients >= 100 &&
      workload.kind !== 'lease'
    );
  };
}

function printTables(options: BenchOptions, members: number, rows: Row[], checks: Row[]): void {
  const scaled = workloadsFor(members)
    .filter((w) => (w.roundsFactor ?? 1) !== 1 && rows.some((r) => r.etcd.workload === w.name))
    .map((w) => `, ${w.name} ${w.roundsFactor}x`)
    .join('');
  console.log(
    `\n${members} member(s): Concord/etcd, ${options.seconds} s per figure and server in ${options.rounds} round(s)${scaled}, taking turns (throughput ratio >= 1 and latency ratio <= 1 favour Concord)`,
  );
  console.log(table(rows));
  if (checks.length === 0) return;
  console.log('\nGenerator check on etcd: etcd-benchmark (left) vs the Node generator (right);');
  console.log('a ratio well below 1 means the Node generator, not the server, is the limit there.');
  console.log(table(checks));
}

async function run(options: BenchOptions, cleanup: Cleanup): Promise<void> {
  const generatorFor = chooseGenerator(options);
  const results: { members: number; rows: Row[]; checks: Row[] }[] = [];
  for (const members of options.members) {
    const workloads = selectWorkloads(options.only, members);
    const { rows, checks } = await compare({
      bench: options,
      cleanup,
      members,
      workloads,
      generatorFor,
      checkGenerator: checked(options, workloads),
      onFigure: (kind, figure) => emit(options, jsonLine(kind, figure)),
      onRow: (row) => emit(options, jsonLine('ratio', ratio(row.concord, row.etcd))),
      log,
    });
    results.push({ members, rows, checks });
  }
  for (const r of results) printTables(options, r.members, r.rows, r.checks);
}

const options = (() => {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
})();
const cleanup = new Cleanup();
cleanup.onSignals();
try {
  await run(options, cleanup);
} catch (error) {
  process.exitCode = 1;
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  log('stopping servers, removing temp dirs');
  await cleanup.run();
}
