/** One measured figure: a workload on a server, as printed (one JSON object per line). */
export interface Figure {
  readonly workload: string;
  readonly server: 'etcd' | 'concord';
  /** Members in the cluster measured. */
  readonly members: number;
  readonly generator: 'node' | 'etcd-benchmark';
  /** Completed operations (watch: events delivered) per second. */
  readonly throughput: number;
  readonly unit: 'ops/s' | 'events/s';
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  /** CPU cores the load generator used on average over the run (all its processes). */
  readonly generatorCores: number;
  /** CPU cores the server (every member) used on average over the run. */
  readonly serverCores: number;
  /** The cluster's leader or term changed during the run (the figure includes an election). */
  readonly leaderChanged?: boolean;
  /** Combined from this many rounds (rounds.ts); a single round's figure has none. */
  readonly rounds?: number;
}
