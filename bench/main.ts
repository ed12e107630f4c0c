// npm run bench — Concord beside etcd on this machine, the very same load on each: put,
// range (linearizable, serializable), txn compare-and-put, watch fan-out, lease keep-alive.
// Starts a single-member etcd and a single-member Concord on free loopback ports with temp
// data dirs (both fsync their WAL before acknowledging), measures each workload on each,
// and prints one JSON object per figure, the Concord/etcd ratios, and a table.
// Load comes from etcd's own `benchmark` tool where it is installed and runs the workload
// (see /work/shared/tools/build-etcd-benchmark), else from a Node generator spread over
// worker processes. Usage: npm run bench -- --help
import { appendFileSync } from 'node:fs';
import { Cleanup } from './etcd/cleanup.js';
import {
  etcdBenchmarkFigure,
  etcdBenchmarkSupports,
  haveEtcdBenchmark,
} from './etcd/etcd-benchmark.js';
import type { Figure } from './etcd/figure.js';
import { nodeFigure } from './etcd/node-figure.js';
import { waitWritable } from './etcd/node-gen/ready.js';
import { parseOptions, type BenchOptions } from './etcd/options.js';
import { jsonLine, ratio, table } from './etcd/report.js';
import type { ServerProcess } from './etcd/server-process.js';
import { startConcord, startEtcd } from './etcd/servers.js';
import { selectWorkloads, workloads as allWorkloads, type Workload } from './etcd/workloads.js';

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

function emit(options: BenchOptions, line: string): void {
  console.log(line);
  if (options.jsonFile !== undefined) appendFileSync(options.jsonFile, `${line}\n`);
}

function measure(
  options: BenchOptions,
  workload: Workload,
  server: ServerProcess,
  generator: Figure['generator'],
): Promise<Figure> {
  log(`${workload.name} on ${server.name} (${generator} generator, ${options.seconds} s)`);
  return generator === 'etcd-benchmark'
    ? etcdBenchmarkFigure({ workload, server, seconds: options.seconds })
    : nodeFigure({ workload, server, seconds: options.seconds, workersMax: options.workers });
}

async function run(options: BenchOptions, cleanup: Cleanup): Promise<void> {
  const chosen = selectWorkloads(options.only);
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
  const generatorFor = (w: Workload): Figure['generator'] =>
    etcdBenchmark && etcdBenchmarkSupports(w) ? 'etcd-benchmark' : 'node';

  const etcd = await startEtcd(cleanup, options.etcdCommand);
  log(`etcd pid ${etcd.pid} on ${etcd.endpoint}`);
  const concordOptions =
    options.cpuProfileDir === undefined ? {} : { cpuProfileDir: options.cpuProfileDir };
  const concord = await startConcord(cleanup, concordOptions);
  log(`concord pid ${concord.pid} on ${concord.endpoint}`);
  await Promise.all([waitWritable(etcd.endpoint), waitWritable(concord.endpoint)]);

  // Warm up both (Concord's JIT, both servers' first allocations); not reported.
  const warmup = allWorkloads.find((w) => w.name === 'put-8B-100x10')!;
  for (const server of [etcd, concord])
    await nodeFigure({ workload: warmup, server, seconds: 1, workersMax: options.workers });

  const rows: { etcd: Figure; concord: Figure }[] = [];
  for (const workload of chosen) {
    const generator = generatorFor(workload);
    const e = await measure(options, workload, etcd, generator);
    emit(options, jsonLine('figure', e));
    const c = await measure(options, workload, concord, generator);
    emit(options, jsonLine('figure', c));
    emit(options, jsonLine('ratio', ratio(c, e)));
    rows.push({ etcd: e, concord: c });
  }

  const checks: { etcd: Figure; concord: Figure }[] = [];
  if (etcdBenchmark && options.checkGenerator)
    for (const row of rows.filter((r) => r.etcd.generator === 'etcd-benchmark')) {
      const workload = chosen.find((w) => w.name === row.etcd.workload)!;
      // High-rate workloads only; not lease: etcd-benchmark opens a stream per keep-alive
      // (KeepAliveOnce), the Node generator keeps one stream per client, so they differ.
      if (workload.clients < 100 || workload.kind === 'lease') continue;
      const node = await measure(options, workload, etcd, 'node');
      emit(options, jsonLine('generator-check', node));
      checks.push({ etcd: row.etcd, concord: node });
    }

  console.log(
    `\nConcord/etcd, ${options.seconds} s per figure (throughput ratio >= 1 and latency ratio <= 1 favour Concord)`,
  );
  console.log(table(rows));
  if (checks.length > 0) {
    console.log('\nGenerator check on etcd: etcd-benchmark (left) vs the Node generator (right);');
    console.log(
      'a ratio well below 1 means the Node generator, not the server, is the limit there.',
    );
    console.log(table(checks));
  }
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
