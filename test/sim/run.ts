import { Prng } from '../../src/base/prng.js';
import type { NodeId } from '../../src/raft/types.js';
import type { SimBug } from './bugs.js';
import { Checkers } from './checkers/index.js';
import { Cluster } from './cluster.js';
import { productionNodes } from './core.js';
import { Faults } from './faults.js';
import { SimNetwork, perfectNetwork } from './network.js';
import { Operator } from './operator.js';
import { DiskLog } from './disk-log.js';
import type { DiskLogSettings } from './disk-log.js';
import type { LogKind, MemberLog } from './member-log.js';
import { MemoryLog } from './memory-log.js';
import { drawParams } from './params.js';
import type { RunParams } from './params.js';
import { Trace } from './trace.js';
import { Violations } from './violations.js';
import { Workload } from './workload.js';

export interface RunOptions {
  readonly seed: number;
  /** Voters at the start: 3, 5 or 7. */
  readonly members: number;
  /** Ticks of chaos before the healing phase. */
  readonly ticks: number;
  readonly bugs?: readonly SimBug[];
  /** How members persist; by default chosen by the seed (see `defaultDisk`). */
  readonly disk?: LogKind;
  /** Lines of trace kept for a failure report. Default 60. */
  readonly traceLines?: number;
  /** Called with the cluster once the run is over (for tests and debugging). */
  readonly inspect?: (cluster: Cluster) => void;
}

export interface RunStats {
  readonly leaderChanges: number;
  readonly maxTerm: number;
  readonly commitIndex: number;
  readonly writes: number;
  readonly acked: number;
  readonly reads: number;
  readonly readsServed: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly confChanges: number;
  readonly transfers: number;
  readonly snapshotsInstalled: number;
  /** Snapshots installed by a member missing from the snapshot's configuration. */
  readonly snapshotsBeforeAddition: number;
  /** Conf changes applied by members that joined later with empty storage. */
  readonly confChangesAppliedByJoiners: number;
  readonly batches: number;
  readonly unreachable: number;
  /** Disk mode: entries of interrupted persists that a crash lost. */
  readonly entriesLost: number;
  /** Disk mode: members whose damaged disk refused to open (then failed for good). */
  readonly failedMembers: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  /** Ticks the healing phase took to elect a leader and commit every pending write. */
  readonly healedIn: number | undefined;
}

export interface RunResult {
  readonly violations: readonly string[];
  readonly stats: RunStats;
  /** One deterministic line describing the run (no wall-clock anything). */
  readonly summary: string;
  /** The last events, for a failure report. */
  readonly trace: readonly string[];
}

/** The seed's own choice of log: odd seeds persist through the WAL on a SimDisk. */
export function defaultDisk(seed: number): LogKind {
  return seed % 2 === 1 ? 'wal' : 'memory';
}

/** The command that replays a run bit for bit. */
export function replayCommand(options: RunOptions): string {
  const bugs = options.bugs?.length ? ` --bugs ${options.bugs.join(',')}` : '';
  const disk = options.disk ?? defaultDisk(options.seed);
  return (
    `npm run sim -- --seed ${options.seed} --members ${options.members} ` +
    `--ticks ${options.ticks} --disk ${disk}${bugs}`
  );
}

/**
 * Runs one seed: a cluster of the production Raft core under faults, workload and
 * membership changes for `ticks` ticks, then a healing phase that must reach a leader and
 * commit every pending write within the liveness bound. Deterministic: the same options give
 * the same result, byte for byte.
 *
 * @example
 * const { violations } = runSeed({ seed: 7, members: 5, ticks: 2000 });
 */
export async function runSeed(options: RunOptions): Promise<RunResult> {
  const bugs = new Set(options.bugs ?? []);
  const disk = options.disk ?? defaultDisk(options.seed);
  const prng = new Prng(options.seed);
  const params = drawParams(prng.fork(), { members: options.members, bugs, log: disk });
  const trace = new Trace(options.traceLines ?? 60);
  let now = 0;
  const violations = new Violations(() => now);
  const checkers = new Checkers(violations);
  const network = new SimNetwork(prng.fork(), perfectNetwork);
  const cluster = new Cluster({
    settings: params.member,
    createNode: productionNodes(bugs),
    network,
    prng: prng.fork(),
    trace,
    checkers,
    bugs,
    createLog: logFactory(disk, prng.fork(), params.disk, (text) => trace.record(now, text)),
  });
  const voters: NodeId[] = [];
  for (let i = 1; i <= options.members; i++) voters.push(BigInt(i));
  for (const id of voters) await cluster.addMember(id, voters);
  const faults = new Faults(prng.fork(), params.faults, cluster);
  const workload = new Workload(prng.fork(), params.workload, cluster, checkers.linearizability);
  const operator = new Operator(prng.fork(), params.operator, cluster);

  let healedIn: number | undefined;
  try {
    while (cluster.now < options.ticks && !violations.any) {
      await cluster.tick();
      now = cluster.now;
      await faults.tick(now);
      await operator.tick(now);
      await workload.tick(now, true);
    }
    if (!violations.any) healedIn = await heal(cluster, faults, workload, params, violations);
    now = cluster.now;
    if (!violations.any) checkAllLogs(cluster, checkers);
  } catch (error) {
    // An assertion in the core (or the harness) is a failure of the run like any checker's:
    // the core noticed something impossible, e.g. a commit index beyond its log.
    now = cluster.now;
    violations.report('exception', error instanceof Error ? firstLines(error) : String(error));
  }
  options.inspect?.(cluster);

  const stats: RunStats = {
    leaderChanges: cluster.stats.leaderChanges,
    maxTerm: Math.max(...[...cluster.members.values()].map((m) => m.term)),
    commitIndex: cluster.stats.committed,
    writes: workload.stats.writes,
    acked: workload.stats.acked,
    reads: workload.stats.reads,
    readsServed: workload.stats.readsServed,
    crashes: faults.stats.crashes,
    partitions: faults.stats.partitions,
    confChanges: operator.stats.confChanges,
    transfers: operator.stats.transfers,
    snapshotsInstalled: cluster.stats.snapshotsInstalled,
    snapshotsBeforeAddition: cluster.stats.snapshotsBeforeAddition,
    confChangesAppliedByJoiners: cluster.stats.confChangesAppliedByJoiners,
    batches: workload.stats.batches,
    unreachable: cluster.stats.unreachable,
    entriesLost: checkers.durability.entriesLost,
    failedMembers: cluster.stats.failedMembers,
    messagesSent: network.stats.sent,
    messagesDropped: network.stats.dropped,
    healedIn,
  };
  return {
    violations: violations.messages,
    stats,
    summary: summarize(options, disk, stats),
    trace: trace.tail(),
  };
}

/** The liveness phase: returns the ticks it took, or reports a violation. */
async function heal(
  cluster: Cluster,
  faults: Faults,
  workload: Workload,
  params: RunParams,
  violations: Violations,
): Promise<number | undefined> {
  await faults.heal();
  const start = cluster.now;
  while (cluster.now - start < params.healTicks && !violations.any) {
    await cluster.tick();
    await workload.tick(cluster.now, false);
    if (cluster.leader() !== undefined && workload.pendingWrites().length === 0) {
      return cluster.now - start;
    }
  }
  if (violations.any) return undefined;
  const pending = workload.pendingWrites();
  violations.report(
    'liveness',
    `${params.healTicks} ticks after healing: ${describeLeader(cluster)}, ` +
      `${pending.length} writes pending (${pending.slice(0, 5).join(' ')})`,
  );
  return undefined;
}

/** The leader's view of the cluster, for a liveness failure report. */
function describeLeader(cluster: Cluster): string {
  const leader = cluster.leader();
  if (leader === undefined) return 'no leader';
  const status = leader.raft.status();
  const progress = [...(status.progress ?? new Map<NodeId, never>())].map(
    ([id, pr]) => `${id}: match ${pr.match} next ${pr.next} ${pr.state}`,
  );
  return (
    `leader ${leader.id} (term ${status.term}, commit ${status.commit}, last ${status.lastIndex}, ` +
    `voters ${status.config.voters.join(',')}, learners ${status.config.learners.join(',') || '-'}; ` +
    `${progress.join('; ')})`
  );
}

/** Log matching, compared directly between every pair of persisted logs. */
function checkAllLogs(cluster: Cluster, checkers: Checkers): void {
  const logs = [...cluster.members.values()]
    .filter((m) => !m.failed)
    .map((m) => ({ id: m.id, log: m.storage }));
  for (let i = 0; i < logs.length; i++) {
    for (let j = i + 1; j < logs.length; j++) checkers.logMatching.checkPair(logs[i]!, logs[j]!);
  }
}

function summarize(options: RunOptions, disk: LogKind, s: RunStats): string {
  return (
    `seed ${options.seed} members ${options.members} ticks ${options.ticks} disk ${disk}: ` +
    `${s.leaderChanges} leader changes (max term ${s.maxTerm}), commit index ${s.commitIndex}, ` +
    `writes ${s.acked}/${s.writes} acked (${s.batches} batches), ` +
    `reads ${s.readsServed}/${s.reads} served, ` +
    `crashes ${s.crashes} (${s.entriesLost} unsynced entries lost, ${s.failedMembers} disks failed), ` +
    `partitions ${s.partitions}, conf changes ${s.confChanges} ` +
    `(${s.confChangesAppliedByJoiners} applied by joiners), transfers ${s.transfers}, ` +
    `snapshots installed ${s.snapshotsInstalled} (${s.snapshotsBeforeAddition} before addition), ` +
    `messages ${s.messagesSent} sent ${s.messagesDropped} dropped ` +
    `${s.unreachable} unreachable, ` +
    `healed in ${s.healedIn ?? '-'} ticks`
  );
}

/** Each member's durable log: every disk its own SimDisk, drawing on its own fork. */
function logFactory(
  kind: LogKind,
  prng: Prng,
  settings: DiskLogSettings,
  record: (text: string) => void,
): (id: NodeId) => MemberLog {
  if (kind === 'memory') return () => new MemoryLog();
  return (id) => new DiskLog(prng.fork(), settings, (text) => record(`${id} ${text}`));
}

/** The error and the top of its stack: enough to find the assertion without the noise. */
function firstLines(error: Error): string {
  return (error.stack ?? `${error.name}: ${error.message}`).split('\n').slice(0, 6).join('\n    ');
}
