import { assert } from '../../src/base/assert.js';
import { isConcordError } from '../../src/base/errors.js';
import type { Prng } from '../../src/base/prng.js';
import { bootstrapLog } from '../../src/node/bootstrap.js';
import type { ConfChange, ConfState, Entry, Message, NodeId } from '../../src/raft/types.js';
import { None } from '../../src/raft/types.js';
import type { SimBug } from './bugs.js';
import type { Checkers } from './checkers/index.js';
import type { LeaderView } from './checkers/leader-completeness.js';
import { dataKey } from './checkers/log-matching.js';
import type { CrashPlan, MemberObserver, MemberSettings } from './member.js';
import { Member } from './member.js';
import type { MemberLog, Recovery } from './member-log.js';
import type { SimNetwork } from './network.js';
import type { CreateNode } from './raft-node.js';
import type { WriteId } from './state-machine.js';
import type { Trace } from './trace.js';

/** What clients hear from members: the workload implements it. */
export interface ClientEvents {
  appliedWrite(member: Member, id: WriteId, position: number): void;
  readServed(member: Member, context: Uint8Array, writes: readonly WriteId[]): void;
  crashed(member: Member): void;
}

export interface ClusterOptions {
  readonly settings: MemberSettings;
  readonly createNode: CreateNode;
  readonly network: SimNetwork;
  readonly prng: Prng;
  readonly trace: Trace;
  readonly checkers: Checkers;
  readonly bugs: ReadonlySet<SimBug>;
  /** Makes each member's durable log: MemoryLog or DiskLog. */
  readonly createLog: (id: NodeId) => MemberLog;
}

export interface ClusterStats {
  leaderChanges: number;
  crashes: number;
  committed: number;
  snapshotsInstalled: number;
  /** Snapshots installed by members missing from the snapshot's configuration. */
  snapshotsBeforeAddition: number;
  /** Conf changes applied by members that joined later, with empty storage. */
  confChangesAppliedByJoiners: number;
  /** Members whose damaged disk refused to open: failed for good. */
  failedMembers: number;
  /** Sends the transport reported unreachable (a down member, a cut link). */
  unreachable: number;
}

/**
 * The members of one simulated cluster and the simulated time they share. Every input to a
 * member (a tick, a message, a proposal) is followed at once by handling its Ready, so each
 * step of the simulation ends with every live member's Ready handled (or the member crashed
 * half way through one).
 */
export class Cluster implements MemberObserver {
  readonly members = new Map<NodeId, Member>();
  readonly stats: ClusterStats = {
    leaderChanges: 0,
    crashes: 0,
    committed: 0,
    snapshotsInstalled: 0,
    snapshotsBeforeAddition: 0,
    confChangesAppliedByJoiners: 0,
    failedMembers: 0,
    unreachable: 0,
  };
  /** Chosen by the fault injector; no mid-Ready crash unless set. */
  crashPlans: (member: Member) => CrashPlan | undefined = () => undefined;
  clients: ClientEvents | undefined;
  now = 0;
  private readonly removals: NodeId[] = [];

  constructor(private readonly options: ClusterOptions) {}

  get network(): SimNetwork {
    return this.options.network;
  }

  get trace(): Trace {
    return this.options.trace;
  }

  /**
   * Creates and starts a member. An initial member's storage starts as production's does
   * (src/node/bootstrap.ts): the committed AddNode entries of all `initial` members at
   * indexes 1..n in term 1, applied like any conf change. A member added later starts empty
   * and learns everything from the leader: the log from index 1, or a snapshot.
   */
  async addMember(id: NodeId, initial?: readonly NodeId[]): Promise<Member> {
    assert(!this.members.has(id), `member ${id} exists`);
    const member = new Member({
      id,
      log: this.options.createLog(id),
      settings: this.options.settings,
      observer: this,
      createNode: this.options.createNode,
      prng: this.options.prng.fork(),
      joinedLater: initial === undefined,
    });
    this.members.set(id, member);
    if (initial !== undefined) {
      const { entries, hardState } = bootstrapLog(
        initial.map((member) => ({ id: member, name: `m${member}`, peerUrls: [] })),
      );
      await member.bootstrap({ entries, hardState, mustSync: true });
    }
    await member.start();
    return member;
  }

  /** One tick of simulated time: deliver what arrives now, then tick every live member. */
  async tick(): Promise<void> {
    this.now++;
    const { delivered, failedSnapshots, unreachable } = this.network.deliver(this.now);
    for (const message of delivered) await this.deliver(message);
    for (const message of failedSnapshots) await this.reportSnapshot(message, false);
    for (const message of unreachable) await this.reportUnreachable(message);
    for (const member of this.members.values()) {
      if (!member.up) continue;
      member.raft.tick();
      await this.settle(member);
    }
  }

  /** The live members, in id order. */
  live(): Member[] {
    return [...this.members.values()].filter((member) => member.up);
  }

  /** Members not removed from the cluster (up or down; failed ones too). */
  current(): Member[] {
    return [...this.members.values()].filter((member) => !member.removed);
  }

  /** Members whose disk failed or is damaged, and that are still in the cluster. */
  broken(): Member[] {
    return this.current().filter((member) => member.failed || member.damaged);
  }

  /** The live member that believes it leads in the highest term, if any. */
  leader(): Member | undefined {
    let best: Member | undefined;
    for (const member of this.live()) {
      if (member.role === 'Leader' && (best === undefined || member.term > best.term)) {
        best = member;
      }
    }
    return best;
  }

  member(id: NodeId): Member {
    const member = this.members.get(id);
    assert(member !== undefined, `no member ${id}`);
    return member;
  }

  crash(id: NodeId, why: string): void {
    this.member(id).crash(why);
  }

  async restart(id: NodeId): Promise<void> {
    const member = this.member(id);
    if (member.up || member.removed || member.failed) return;
    await member.start();
    if (member.up) await this.settle(member);
  }

  /**
   * Runs `action` against a live member's node and handles the resulting Ready. Returns false
   * when the core refused with ProposalDropped (no leader, transfer in progress, ...).
   */
  async act(id: NodeId, action: (member: Member) => void): Promise<boolean> {
    const member = this.member(id);
    if (!member.up) return false;
    let accepted = true;
    try {
      action(member);
    } catch (error) {
      if (!isConcordError(error, 'ProposalDropped')) throw error;
      accepted = false;
    }
    await this.settle(member);
    return accepted;
  }

  private async deliver(message: Message): Promise<void> {
    const member = this.members.get(message.to);
    if (member === undefined || !member.up) {
      // The transport's connection to a down member fails: the sender hears of it.
      if (message.type === 'MsgSnap') await this.reportSnapshot(message, false);
      await this.reportUnreachable(message);
      return;
    }
    await this.act(member.id, (m) => m.raft.step(message));
    if (message.type === 'MsgSnap') await this.reportSnapshot(message, true);
  }

  /**
   * The transport's duty (etcd's ReportSnapshot): tell the leader how sending a snapshot
   * went, or its progress for that follower stays paused in the Snapshot state.
   */
  private async reportSnapshot(message: Message, ok: boolean): Promise<void> {
    const sender = this.members.get(message.from);
    if (sender === undefined || !sender.up) return;
    await this.act(sender.id, (m) => m.raft.reportSnapshot(message.to, ok));
  }

  /** etcd's ReportUnreachable: a send failed, so the leader stops streaming and probes. */
  private async reportUnreachable(message: Message): Promise<void> {
    const sender = this.members.get(message.from);
    if (sender === undefined || !sender.up) return;
    this.stats.unreachable++;
    await this.act(sender.id, (m) => m.raft.reportUnreachable(message.to));
  }

  private async settle(member: Member): Promise<void> {
    if (member.up && member.raft.hasReady()) await member.handleReady();
    while (this.removals.length > 0) {
      const removed = this.members.get(this.removals.shift()!);
      if (removed === undefined || removed.removed) continue;
      removed.crash('removed from the cluster');
      removed.removed = true;
    }
  }

  private leaderViews(): LeaderView[] {
    return this.live()
      .filter((member) => member.role === 'Leader')
      .map((member) => ({ id: member.id, term: member.term, log: member.storage }));
  }

  // MemberObserver: routes what members do to the network, the checkers and the clients.

  send(from: Member, message: Message): void {
    this.network.send(this.maybeForgeVote(from, message), this.now);
  }

  /** Planted bug `doubleVote`: a member that already voted this term grants again. */
  private maybeForgeVote(from: Member, message: Message): Message {
    if (!this.options.bugs.has('doubleVote')) return message;
    if (message.type !== 'MsgVoteResp' || !message.reject) return message;
    const { hardState } = from.storage.initialState();
    if (hardState.term !== message.term || hardState.vote === None) return message;
    if (hardState.vote === message.to) return message;
    this.trace.record(this.now, `bug: ${from.id} grants a second vote to ${message.to}`);
    return { ...message, reject: false };
  }

  crashPlan(member: Member): CrashPlan | undefined {
    return this.crashPlans(member);
  }

  recovered(member: Member, recovery: Recovery): void {
    const { durability } = this.options.checkers;
    if (recovery.kind === 'recovered') {
      durability.recovered(member.id, recovery.before, recovery.inFlight, recovery.after);
    } else if (recovery.kind === 'refused') {
      this.stats.failedMembers++;
      this.trace.record(this.now, `${member.id} refuses to start: ${recovery.message}`);
      durability.refused(member.id, recovery.message, recovery.damaged);
    }
  }

  started(member: Member): void {
    this.trace.record(this.now, `${member.id} start (applied ${member.applied})`);
    this.options.checkers.stateMachineSafety.restored(member.id, member.applied, member.writes);
  }

  crashed(member: Member, why: string): void {
    this.trace.record(this.now, `${member.id} down: ${why}`);
    if (!why.startsWith('removed')) this.stats.crashes++;
    this.clients?.crashed(member);
  }

  becameLeader(member: Member, term: number): void {
    this.stats.leaderChanges++;
    this.trace.record(this.now, `${member.id} leader of term ${term}`);
    this.options.checkers.electionSafety.leaderElected(member.id, term);
  }

  leaderPersisted(member: Member): void {
    this.options.checkers.leaderCompleteness.leaderElected({
      id: member.id,
      term: member.term,
      log: member.storage,
    });
  }

  persisted(member: Member, entries: readonly Entry[]): void {
    this.options.checkers.logMatching.persisted(member.id, member.storage, entries);
  }

  snapshotInstalled(member: Member, confState: ConfState): void {
    this.stats.snapshotsInstalled++;
    if (![...confState.voters, ...confState.learners].includes(member.id)) {
      this.stats.snapshotsBeforeAddition++;
    }
    this.trace.record(this.now, `${member.id} installs snapshot at ${member.applied}`);
    this.options.checkers.stateMachineSafety.restored(member.id, member.applied, member.writes);
  }

  appliedEntry(member: Member, entry: Entry): void {
    this.stats.committed = Math.max(this.stats.committed, entry.index);
    const { stateMachineSafety, leaderCompleteness } = this.options.checkers;
    stateMachineSafety.applied(member.id, entry.index, entry.term, dataKey(entry.data));
    leaderCompleteness.committedEntry(entry.index, entry.term, this.leaderViews());
  }

  appliedWrite(member: Member, id: WriteId, position: number, duplicate: boolean): void {
    if (!duplicate) this.options.checkers.stateMachineSafety.writeApplied(member.id, position, id);
    this.clients?.appliedWrite(member, id, position);
  }

  appliedConfChange(member: Member, change: ConfChange): void {
    this.trace.record(this.now, `${member.id} applies ${change.type} ${change.nodeId}`);
    if (member.joinedLater) this.stats.confChangesAppliedByJoiners++;
    if (change.type === 'RemoveNode' && !this.removals.includes(change.nodeId)) {
      this.removals.push(change.nodeId);
    }
  }

  readServed(member: Member, context: Uint8Array, writes: readonly WriteId[]): void {
    this.clients?.readServed(member, context, writes);
  }
}
