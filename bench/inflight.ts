// npm run bench:inflight — does write throughput hold up as puts in flight grow? A single
// etcd and a single Concord member side by side (bench/etcd/clusters.ts), closed-loop puts
// from etcd-benchmark (or the Node generator) at each level of concurrency (clients =
// requests in flight) over a fixed number of connections, one JSON line per figure and a
// table. Written to re-check the single-member finding that Concord's puts/s fell from
// ~1,550 at 32 in flight to ~840 at 256. Usage: npm run bench:inflight -- [--levels
// 32,64,128,256] [--conns 16] [--seconds 3] [--generator etcd-benchmark|node] [--workers N]
// [--server both|concord|etcd]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Cleanup } from './etcd/cleanup.js';
import { startCluster, type BenchCluster } from './etcd/clusters.js';
import type { Figure } from './etcd/figure.js';
import { etcdBenchmarkFigure, haveEtcdBenchmark } from './etcd/etcd-benchmark.js';
import { nodeFigure } from './etcd/node-figure.js';
import { jsonLine } from './etcd/report.js';
import { workloads } from './etcd/workloads.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '32,64,128,256' },
    conns: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: String(Math.max(2, availableParallelism())) },
    server: { type: 'string', default: 'both' },
    generator: { type: 'string', default: haveEtcdBenchmark() ? 'etcd-benchmark' : 'node' },
  },
  strict: true,
});
const levels = values.levels.split(',').map(Number);
const conns = Number(values.conns);
const seconds = Number(values.seconds);
const workersMax = Number(values.workers);
const servers = values.server === 'both' ? ['etcd', 'concord'] : [values.server];
if (
  !levels.every((n) => Number.isInteger(n) && n >= 1) ||
  !Number.isInteger(conns) ||
  conns < 1 ||
  !(seconds > 0) ||
  !servers.every((s) => s === 'etcd' || s === 'concord') ||
  (values.generator !== 'node' && values.generator !== 'etcd-benchmark')
) {
  process.stderr.write(
    'bench:inflight: bad flags (see the usage at the top of bench/inflight.ts)\n',
  );
  process.exit(2);
}
const log = (line: string): void => void process.stderr.write(`bench:inflight: ${line}\n`);
const put = workloads.find((w) => w.name === 'put-8B-100x10')!;

async function sweep(cluster: BenchCluster): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const clients of levels) {
    const workload = {
      ...put,
      name: `put-8B-${clients}x${Math.min(conns, clients)}`,
      clients,
      conns: Math.min(conns, clients),
    };
    const target = cluster.target('leader', await cluster.leadership());
    log(`${workload.name} on ${cluster.server} (${values.generator})`);
    const figure =
      values.generator === 'node'
        ? await nodeFigure({ workload, target, seconds, workersMax })
        : await etcdBenchmarkFigure({ workload, target, seconds });
    console.log(jsonLine('figure', figure));
    figures.push(figure);
  }
  return figures;
}

const cleanup = new Cleanup();
cleanup.onSignals();
try {
  const timing = { heartbeatMs: 100, electionMs: 1000 };
  const clusters: BenchCluster[] = [];
  for (const server of servers as ('etcd' | 'concord')[])
    clusters.push(await startCluster(cleanup, { server, members: 1, timing }));
  // Warm up each (Concord's JIT); not reported.
  for (const cluster of clusters)
    await nodeFigure({
      workload: put,
      target: cluster.target('leader', await cluster.leadership()),
      seconds: 1,
      workersMax,
    });
  const results = new Map<string, Figure[]>();
  for (const cluster of clusters) results.set(cluster.server, await sweep(cluster));
  console.log(
    `\nputs/s (p99 ms) by requests in flight, ${conns} connections, ${values.generator}, ${seconds} s each`,
  );
  console.log(['in flight', ...results.keys()].map((c) => c.padStart(18)).join(''));
  levels.forEach((clients, i) => {
    const cells = [...results.values()].map(
      (f) => `${Math.round(f[i]!.throughput)} (${f[i]!.p99Ms.toFixed(1)})`,
    );
    console.log([String(clients), ...cells].map((c) => c.padStart(18)).join(''));
  });
} catch (error) {
  process.exitCode = 1;
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup.run();
}
