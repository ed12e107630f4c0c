/**
 * etcd's official load generator (go.etcd.io/etcd/tools/benchmark, built by
 * /work/shared/tools/build-etcd-benchmark as `etcd-benchmark`), driven with a workload's
 * shape. It runs a fixed number of requests, not a duration, so a short pilot run measures
 * the rate first and the measured run is sized to last about `seconds`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { statCpuSeconds } from './cpu.js';
import type { Figure } from './figure.js';
import type { LoadTarget } from './load-target.js';
import type { Workload } from './workloads.js';

export const etcdBenchmarkCommand = 'etcd-benchmark';

/** Whether etcd-benchmark is on PATH. */
export function haveEtcdBenchmark(): boolean {
  return spawnSync(etcdBenchmarkCommand, ['--help'], { stdio: 'ignore' }).status === 0;
}

/** The key the range workloads read (the Node generator reads the same one). */
export const rangeKey = 'bench/range';

/**
 * The workloads etcd-benchmark can run as we define them. Not txn: 3.4's `txn-put` sends
 * puts in a txn with no compare, and ours is a compare-and-put. Not watch: 3.4's `watch`
 * measures watch creation and rate-limited puts, not events delivered.
 */
export function etcdBenchmarkSupports(workload: Workload): boolean {
  return workload.kind === 'put' || workload.kind === 'range' || workload.kind === 'lease';
}

function commandArgs(workload: Workload): string[] {
  switch (workload.kind) {
    case 'put':
      return [
        'put',
        `--key-size=${workload.keyBytes}`,
        `--val-size=${workload.valueBytes}`,
        `--key-space-size=${workload.keySpace}`,
      ];
    case 'range':
      return ['range', rangeKey, `--consistency=${workload.serializable ? 's' : 'l'}`];
    case 'lease':
      // Note: each keep-alive opens a stream of its own (clientv3's KeepAliveOnce).
      return ['lease-keepalive'];
    case 'txn':
    case 'watch':
      throw new Error(`etcd-benchmark does not run ${workload.name} (see etcdBenchmarkSupports)`);
  }
}

export interface EtcdBenchmarkRun {
  readonly requestsPerSecond: number;
  readonly seconds: number;
  readonly requests: number;
  /** Latency percentiles in ms, keyed by etcd's labels ('50', '99', '99.9'). */
  readonly percentilesMs: ReadonlyMap<string, number>;
  readonly errors: number;
  readonly firstError?: string;
  readonly cpuSeconds: number;
}

/** A number as Go's %v prints a float64: 0.0123, 1234.5, or 5.6e-05 for small ones. */
const number = '[\\d.]+(?:e[-+]?\\d+)?';

/** Parses etcd-benchmark's summary (its `report` package's text). */
export function parseSummary(text: string): Omit<EtcdBenchmarkRun, 'cpuSeconds' | 'requests'> {
  const total = new RegExp(`Total:\\s+(${number}) secs`).exec(text);
  const rps = new RegExp(`Requests/sec:\\s+(${number})`).exec(text);
  if (total === null || rps === null) throw new Error(`etcd-benchmark: no summary in:\n${text}`);
  const percentilesMs = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^\\s*([\\d.]+)% in (${number}) secs`, 'gm')))
    percentilesMs.set(m[1]!, Number(m[2]) * 1000);
  // Errors are listed as "Error distribution:\n  [count]\terror text".
  let errors = 0;
  let firstError: string | undefined;
  const errorSection = text.split('Error distribution:')[1];
  if (errorSection !== undefined)
    for (const m of errorSection.matchAll(/^\s*\[(\d+)\]\s+(.*)$/gm)) {
      errors += Number(m[1]);
      firstError ??= m[2];
    }
  return {
    requestsPerSecond: Number(rps[1]),
    seconds: Number(total[1]),
    percentilesMs,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

const cpuMarker = 'BENCH-CPU-STAT ';

/** Runs etcd-benchmark once; its CPU use is read from its parent shell's waited-for children. */
export function runEtcdBenchmark(options: {
  readonly workload: Workload;
  /** Connections are dealt to these round robin (etcd-benchmark's own --endpoints rule). */
  readonly endpoints: readonly string[];
  readonly total: number;
}): Promise<EtcdBenchmarkRun> {
  const { workload, endpoints, total } = options;
  const args = [
    `--endpoints=${endpoints.join(',')}`,
    `--clients=${workload.clients}`,
    `--conns=${workload.conns}`,
    '--precise',
    ...commandArgs(workload),
    `--total=${total}`,
  ];
  const script = `"$@"; s=$?; echo "${cpuMarker}$(cat /proc/$$/stat)" >&2; exit $s`;
  const child = spawn('sh', ['-c', script, 'sh', etcdBenchmarkCommand, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`etcd-benchmark ${args.join(' ')}: exit ${code}\n${stderr.slice(-2000)}`));
        return;
      }
      const stat = stderr.split(cpuMarker)[1] ?? '';
      try {
        resolve({
          ...parseSummary(stdout),
          requests: total,
          cpuSeconds: stat === '' ? Number.NaN : statCpuSeconds(stat, { children: true }),
        });
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

/** A run's unmeasured start: at least this long and at least this many requests. */
export interface Warmup {
  readonly seconds: number;
  readonly requests: number;
}

export const noWarmup: Warmup = { seconds: 0, requests: 0 };

/**
 * How many requests a warm-up takes at `rate` (the pilot's) per second: enough for its
 * seconds and its requests, at least `least`; 0 when it asks for neither.
 */
export function warmupTotal(warmup: Warmup, rate: number, least: number): number {
  if (warmup.seconds <= 0 && warmup.requests <= 0) return 0;
  return Math.max(least, Math.ceil(rate * warmup.seconds), warmup.requests);
}

/**
 * The requests of a run meant to last `seconds` at `rate` per second. At least 1000: etcd's
 * report prints a percentile only when a sample lies at or above it, so with fewer there is
 * no 99.9% line.
 */
export function runTotal(workload: Workload, rate: number, seconds: number): number {
  return Math.max(1000, workload.clients * 10, Math.ceil(rate * seconds));
}

/**
 * Measures `workload` on `target` with etcd-benchmark: a pilot to size the rest, a warm-up of
 * about `warmup.seconds` and at least `warmup.requests` (not reported; its rate sizes the
 * run), then the run. Given `rate` (an earlier run's, of the same workload on the same
 * target), the run is sized from it instead: a pilot with no warm-up after it is mostly its
 * clients' start (connections, and lease-keepalive's 100 lease grants), and a round sized
 * from one ran 0.3-0.5 s where 1 s was asked for, measuring that start as much as the load.
 */
export async function etcdBenchmarkFigure(options: {
  readonly workload: Workload;
  readonly target: LoadTarget;
  readonly seconds: number;
  readonly warmup?: Warmup;
  readonly rate?: number;
}): Promise<Figure> {
  const { workload, target, seconds, warmup = noWarmup } = options;
  const { endpoints } = target;
  const least = Math.max(200, workload.clients * 10);
  let pilot = await runEtcdBenchmark({ workload, endpoints, total: least });
  const warm = warmupTotal(warmup, pilot.requestsPerSecond, least);
  if (warm > 0) pilot = await runEtcdBenchmark({ workload, endpoints, total: warm });
  const total = runTotal(workload, options.rate ?? pilot.requestsPerSecond, seconds);
  const serverCpuBefore = target.cpuSeconds();
  const run = await runEtcdBenchmark({ workload, endpoints, total });
  const serverCpu = target.cpuSeconds() - serverCpuBefore;
  return {
    workload: workload.name,
    server: target.server,
    members: target.members,
    generator: 'etcd-benchmark',
    throughput: run.requestsPerSecond,
    unit: 'ops/s',
    p50Ms: run.percentilesMs.get('50') ?? Number.NaN,
    p99Ms: run.percentilesMs.get('99') ?? Number.NaN,
    p999Ms: run.percentilesMs.get('99.9') ?? Number.NaN,
    ops: run.requests - run.errors,
    errors: run.errors,
    ...(run.firstError === undefined ? {} : { firstError: run.firstError }),
    seconds: run.seconds,
    generatorCores: run.cpuSeconds / run.seconds,
    // Over the whole process's life (connect, lease grants), which run.seconds excludes.
    serverCores: serverCpu / run.seconds,
  };
}
