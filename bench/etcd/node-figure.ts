import type { Figure } from './figure.js';
import { runNodeGenerator } from './node-gen/driver.js';
import type { ServerProcess } from './server-process.js';
import type { Workload } from './workloads.js';

/** Measures `workload` on `server` with the Node generator. */
export async function nodeFigure(options: {
  readonly workload: Workload;
  readonly server: ServerProcess;
  readonly seconds: number;
  readonly workersMax: number;
}): Promise<Figure> {
  const { workload, server, seconds } = options;
  const r = await runNodeGenerator({
    workload,
    endpoint: server.endpoint,
    seconds,
    workersMax: options.workersMax,
    serverCpuSeconds: () => server.cpuSeconds(),
  });
  return {
    workload: workload.name,
    server: server.name === 'etcd' ? 'etcd' : 'concord',
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
