/**
 * The loads both servers get, identically. Shapes follow etcd's own benchmark docs
 * (Documentation/op-guide/performance.md): 8-byte keys over a 100,000-key space, small and
 * 256-byte values, 1 client on 1 connection for latency and many clients over several
 * connections for throughput.
 */
export type WorkloadKind = 'put' | 'range' | 'txn' | 'watch' | 'lease';

/**
 * Where a workload's connections go in a cluster: all to the leader, or dealt round robin
 * over every member, leader first (followers forward writes and linearizable reads).
 */
export type WorkloadTarget = 'leader' | 'all';

export interface Workload {
  /** Unique, stable name: the key of its JSON figures and what --only matches. */
  readonly name: string;
  readonly kind: WorkloadKind;
  readonly description: string;
  readonly target: WorkloadTarget;
  /** Concurrent closed-loop clients (for watch: watchers). */
  readonly clients: number;
  /** gRPC connections the clients are spread over, round robin. */
  readonly conns: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
  /** put: keys drawn at random from this many. */
  readonly keySpace: number;
  /** range: a serializable (local, possibly stale) read instead of a linearizable one. */
  readonly serializable: boolean;
  /** watch: puts per second to the watched key (each is delivered to every watcher). */
  readonly putsPerSecond: number;
  /**
   * This many times the bench's rounds (and measured seconds): for a figure whose rounds
   * swing more than the others' (rounds.ts, roundsOf).
   */
  readonly roundsFactor?: number;
}

const base = {
  keyBytes: 8,
  valueBytes: 8,
  keySpace: 100_000,
  serializable: false,
  putsPerSecond: 0,
  target: 'leader',
} as const;

/** The single-member workloads. */
export const workloads: readonly Workload[] = [
  { ...base, name: 'put-8B-1x1', kind: 'put', description: 'put 8 B', clients: 1, conns: 1 },
  { ...base, name: 'put-8B-100x10', kind: 'put', description: 'put 8 B', clients: 100, conns: 10 },
  {
    ...base,
    name: 'put-256B-100x10',
    kind: 'put',
    description: 'put 256 B',
    clients: 100,
    conns: 10,
    valueBytes: 256,
  },
  {
    ...base,
    name: 'range-l-1x1',
    kind: 'range',
    description: 'range linearizable',
    clients: 1,
    conns: 1,
  },
  {
    ...base,
    name: 'range-l-200x20',
    kind: 'range',
    description: 'range linearizable',
    clients: 200,
    conns: 20,
  },
  {
    ...base,
    name: 'range-s-200x20',
    kind: 'range',
    description: 'range serializable',
    clients: 200,
    conns: 20,
    serializable: true,
  },
  {
    ...base,
    name: 'txn-cas-100x10',
    kind: 'txn',
    description: 'txn compare-and-put',
    clients: 100,
    conns: 10,
  },
  {
    ...base,
    name: 'watch-100w',
    kind: 'watch',
    description: 'watch events to 100 watchers',
    clients: 100,
    conns: 10,
    putsPerSecond: 200,
  },
  {
    ...base,
    name: 'lease-keepalive-100x10',
    kind: 'lease',
    description: 'lease keep-alive',
    clients: 100,
    conns: 10,
  },
];

const named = (name: string): Workload => {
  const found = workloads.find((w) => w.name === name);
  if (found === undefined) throw new Error(`no workload ${name}`);
  return found;
};

/**
 * The 3-member workloads: writes through the leader and spread over every member, reads
 * spread over every member (a linearizable read on a follower costs a read-index round
 * trip to the leader; a serializable one is local), watchers spread over every member.
 */
export const clusterWorkloads: readonly Workload[] = [
  // Each put waits on three members' turns on the CPU and on the disk, and the client's: on
  // a 2-core host its rounds swung 2x within one run (346-834 ops/s), against ~20% for the
  // 100-client figures, so it gets three times the rounds.
  { ...named('put-8B-1x1'), roundsFactor: 3 },
  named('put-8B-100x10'),
  { ...named('put-8B-100x10'), name: 'put-8B-100x10-all', target: 'all' },
  {
    ...named('range-l-200x20'),
    name: 'range-l-100x10-all',
    clients: 100,
    conns: 10,
    target: 'all',
  },
  {
    ...named('range-s-200x20'),
    name: 'range-s-100x10-all',
    clients: 100,
    conns: 10,
    target: 'all',
  },
  named('txn-cas-100x10'),
  named('lease-keepalive-100x10'),
  { ...named('watch-100w'), name: 'watch-100w-all', target: 'all' },
];

/** The workloads for a cluster of `members`. */
export function workloadsFor(members: number): readonly Workload[] {
  return members === 1 ? workloads : clusterWorkloads;
}

/** The workloads --only selects: names or kinds, comma separated, matched by prefix. */
export function selectWorkloads(only: string | undefined, members = 1): Workload[] {
  const all = workloadsFor(members);
  if (only === undefined || only === '') return [...all];
  const wanted = only.split(',').map((s) => s.trim());
  const chosen = all.filter((w) => wanted.some((p) => w.name.startsWith(p)));
  if (chosen.length === 0) {
    const names = all.map((w) => w.name).join(', ');
    throw new Error(`--only ${only}: matches no workload (have: ${names})`);
  }
  return chosen;
}
