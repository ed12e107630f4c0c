import type { ServerProcess } from './server-process.js';

/**
 * What a figure is measured against: one server or a cluster, seen as the client endpoints
 * the load is spread over (connection c goes to endpoints[c mod n], as etcd-benchmark's
 * --endpoints does) and the CPU all its processes have used.
 */
export interface LoadTarget {
  readonly server: 'etcd' | 'concord';
  /** Members in the cluster (1 for a single server). */
  readonly members: number;
  /** host:port of each endpoint the connections are dealt to, round robin, in this order. */
  readonly endpoints: readonly string[];
  /** CPU seconds (user + system) used so far by every member. */
  cpuSeconds(): number;
}

/** The endpoint of connection `index` (0-based) when connections are dealt round robin. */
export function endpointOf(index: number, endpoints: readonly string[]): string {
  if (endpoints.length === 0) throw new Error('a load target needs at least one endpoint');
  return endpoints[index % endpoints.length]!;
}

/** A single server as a load target. */
export function singleTarget(server: ServerProcess): LoadTarget {
  return {
    server: server.name === 'etcd' ? 'etcd' : 'concord',
    members: 1,
    endpoints: [server.endpoint],
    cpuSeconds: () => server.cpuSeconds(),
  };
}
