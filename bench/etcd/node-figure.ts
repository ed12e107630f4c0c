import type { Figure } from './figure.js';
import type { LoadTarget } from './load-target.js';
import { runNodeGenerator } from './node-gen/driver.js';
import type { Workload } from './workloads.js';

/** Measures `workload` on `target` with the Node generator. */
export async function nodeFigure(options: {
  readonly workload: Workload;
  readonly target: LoadTarget;
  readonly seconds: number;
  /** Unmeasured seconds first (the generator's own 0.5 s at least). */
  readonly warmupSeconds?: number;
  readonly workersMax: number;
}): Promise<Figure> {
  const { workload, target, seconds, warmupSeconds = 0 } = options;
  const r = await runNodeGenerator({
    workload,
    endpoints: target.endpoints,
    seconds,
    warmupMs: warmupSeconds * 1000,
    workersMax: options.workersMax,
    serverCpuSeconds: () => target.cpuSeconds(),
  });
  return {
    workload: workload.name,
    server: target.server,
    members: target.members,
    generator: 'node',
    throughput: r.ops / r.seconds,
    unit: workload.kind === 'watch' ? 'events/s' : 'ops/s',
    p50Ms: r.latency.percentile(0.5),
    p99Ms: r.latency.percentile(0.99),
    p999Ms: r.latency.percentile(0.999),
    ops: r.ops,
    errors: r.errors,
    ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
    seconds: r.seconds,
    generatorCores: r.generatorCpuSeconds / r.seconds,
    serverCores: r.serverCpuSeconds / r.seconds,
  };
}
