import { assert, assertSafeInteger } from '../base/assert.js';
import type { Prng } from '../base/prng.js';
import { applyChange } from './confchange.js';
import type { ValidRaftConfig } from './config.js';
import { entriesBytes } from './entries.js';
import { RaftLog } from './log.js';
import { message, type MessageFields, voteResponseType } from './message.js';
import { Progress } from './progress.js';
import { ReadOnly } from './read-only.js';
import { stepCandidate, stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import { ProgressTracker } from './tracker.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
  ReadState,
  SoftState,
  StateType,
} from './types.js';
import { None } from './types.js';

export type CampaignType = 'PreElection' | 'Election' | 'Transfer';
export type StepResult = 'ok' | 'dropped';

/** Read requests a leader holds before it has committed an entry of its own term. */
const pendingReadIndexMessagesMax = 4096;

/**
 * Raft as a pure, synchronous state machine (etcd-io/raft's `raft` struct). Inputs: `step`
 * and `tick`. Outputs accumulate in `messages` and `readStates` and in the log's unstable
 * part, and leave through RawNode's Ready. No I/O, no clock, no global randomness.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  state: StateType = 'Follower';
  lead: NodeId = None;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly config: ValidRaftConfig;
  readonly prng: Prng;

  /** Outgoing messages, taken by the next Ready. */
  messages: Message[] = [];
  /** Confirmed read points, taken by the next Ready. */
  readStates: ReadState[] = [];
  readOnly: ReadOnly;
  /** ReadIndex requests waiting for the new leader's first commit in its term. */
  pendingReadIndexMessages: Message[] = [];

  /** The member a leadership transfer is handing over to, or None. */
  leadTransferee: NodeId = None;
  /** The index of the latest conf change proposed; no other until it is applied. */
  pendingConfIndex = 0;
  /** Bytes of entries proposed but not yet committed (leader only). */
  uncommittedBytes = 0;

  isLearner = false;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;

  constructor(config: ValidRaftConfig) {
    this.config = config;
    this.id = config.id;
    this.prng = config.prng;
    this.log = new RaftLog(config.storage, config.messageBytesMax * 16);
    this.tracker = new ProgressTracker(config.inflightMessagesMax);
    this.readOnly = new ReadOnly(pendingReadIndexMessagesMax);
    const { hardState, confState } = config.storage.initialState();
    this.switchConfig(confState);
    if (hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) {
      this.loadHardState(hardState);
    }
    if (config.applied > 0) this.log.appliedTo(config.applied);
    this.becomeFollower(this.term, None);
  }

  // ---- State transitions (Raft paper section 5.2) ----

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.state = 'Follower';
    this.lead = lead;
  }

  becomeCandidate(): void {
    assert(this.state !== 'Leader', 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'Candidate';
  }

  /** Pre-vote (dissertation 9.6): neither the term nor the vote changes until it is won. */
  becomePreCandidate(): void {
    assert(this.state !== 'Leader', 'invalid transition [leader -> pre-candidate]');
    this.tracker.resetVotes();
    this.state = 'PreCandidate';
    this.lead = None;
  }

  becomeLeader(): void {
    assert(this.state !== 'Follower', 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'Leader';
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // Conf changes in the log are not known to be applied: allow no new one until they are.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op that commits every earlier entry (section 5.4.2) and, once committed, lets
    // the leader serve reads and accept conf changes (dissertation 6.4 and 4.1).
    const accepted = this.appendEntries([
      { term: 0, index: 0, type: 'Normal', data: new Uint8Array() },
    ]);
    assert(accepted, 'empty entry was dropped');
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.tracker.resetVotes();
    const lastIndex = this.log.lastIndex();
    const lastStable = this.log.lastStableIndex();
    for (const [id, pr] of this.tracker.progress) {
      const fresh = new Progress({
        next: lastIndex + 1,
        // The leader's own match counts only what is on its disk.
        match: id === this.id ? Math.min(lastStable, lastIndex) : 0,
        inflightMessagesMax: this.config.inflightMessagesMax,
        inflightBytesMax: this.config.inflightBytesMax,
        isLearner: pr.isLearner,
      });
      this.tracker.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnly(pendingReadIndexMessagesMax);
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const base = this.config.electionTicks;
    this.randomizedElectionTimeout = base + this.prng.int(base);
  }

  // ---- Ticks ----

  tick(): void {
    if (this.state === 'Leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.local('MsgHup'));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) this.step(this.local('MsgCheckQuorum'));
      // A transfer that has not finished within an election timeout is abandoned.
      if (this.state === 'Leader' && this.leadTransferee !== None) this.abortLeaderTransfer();
    }
    if (this.state !== 'Leader') return;
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(this.local('MsgBeat'));
    }
  }

  private local(type: MessageType): Message {
    return message({ type, from: this.id });
  }

  // ---- Step ----

  /** Processes one message. Returns 'dropped' for a proposal that could not be accepted. */
  step(m: Message): StepResult {
    if (m.term === 0) {
      // Local message, or a forwarded proposal / read / transfer request.
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // Leader stickiness (dissertation 9.6 / 4.2.3): a member that heard from a leader
        // within the minimum election timeout ignores votes, unless a transfer asked for it.
        const inLease =
          this.config.checkQuorum &&
          this.lead !== None &&
          this.electionElapsed < this.config.electionTicks;
        if (!m.transfer && inLease) return 'ok';
      }
      if (m.type === 'MsgPreVote') {
        // Never change our term in response to a pre-vote.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // The term is bumped when the pre-vote is won, not before.
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')
      ) {
        // A stale leader cut off by a partition would otherwise never learn of the new term
        // (its peers ignore it, and with pre-vote nobody bumps terms to reach it).
        this.send({ type: 'MsgAppResp', to: m.from });
      } else if (m.type === 'MsgPreVote') {
        // Tell the pre-candidate our term, so it stops.
        this.send({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true });
      }
      return 'ok';
    }

    switch (m.type) {
      case 'MsgHup':
        this.hup(this.config.preVote ? 'PreElection' : 'Election');
        return 'ok';
      case 'MsgVote':
      case 'MsgPreVote':
        this.handleVoteRequest(m);
        return 'ok';
      default:
        switch (this.state) {
          case 'Leader':
            return stepLeader(this, m);
          case 'Candidate':
          case 'PreCandidate':
            return stepCandidate(this, m);
          case 'Follower':
            return stepFollower(this, m);
        }
    }
  }

  private handleVoteRequest(m: Message): void {
    // We can vote if this is a repeat of a vote we cast, if we have not voted and know of no
    // leader in this term, or if it is a pre-vote for a future term.
    const canVote =
      this.vote === m.from ||
      (this.vote === None && this.lead === None) ||
      (m.type === 'MsgPreVote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granting response carries the request's term, so a pre-candidate counts it.
      this.send({ type: voteResponseType(m.type), to: m.from, term: m.term });
      if (m.type === 'MsgVote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true });
    }
  }

  hup(campaignType: CampaignType): void {
    if (this.state === 'Leader') return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // campaign only with the config we will have
    this.campaign(campaignType);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    // Entries behind the first index are covered by a snapshot (maybe installed but not yet
    // applied): its configuration is already in force.
    let index = Math.max(this.log.applied + 1, this.log.firstIndex());
    while (index <= this.log.committed) {
      const entries = this.log.slice(index, this.log.committed + 1, this.config.messageBytesMax);
      for (const entry of entries) if (entry.type === 'ConfChange') return true;
      index += entries.length;
    }
    return false;
  }

  campaign(campaignType: CampaignType): void {
    let voteType: MessageType;
    let term: number;
    if (campaignType === 'PreElection') {
      this.becomePreCandidate();
      voteType = 'MsgPreVote';
      term = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteType = 'MsgVote';
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes().result === 'Won') {
      // A single voter wins at once.
      if (campaignType === 'PreElection') this.campaign('Election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: lastIndex,
        logTerm,
        transfer: campaignType === 'Transfer',
      });
    }
  }

  /** Records a vote response; returns the tally's result. */
  poll(from: NodeId, granted: boolean): 'Pending' | 'Lost' | 'Won' {
    this.tracker.recordVote(from, granted);
    return this.tracker.tallyVotes().result;
  }

  // ---- Helpers used by the step functions ----

  /** Queues a message; fills `from`, and `term` for everything but requests that are forwarded. */
  send(fields: MessageFields): void {
    const t = fields.type;
    let term = fields.term ?? 0;
    if (t === 'MsgVote' || t === 'MsgVoteResp' || t === 'MsgPreVote' || t === 'MsgPreVoteResp') {
      if (term === 0) assert(false, `term should be set when sending ${t}`);
    } else {
      if (term !== 0) assert(false, `term should not be set when sending ${t} (was ${term})`);
      // Forwarded proposals and reads keep term 0: they are local to whoever handles them.
      if (t !== 'MsgProp' && t !== 'MsgReadIndex' && t !== 'MsgTransferLeader') term = this.term;
    }
    const m = message(fields) as { -readonly [K in keyof Message]: Message[K] };
    m.from = this.id;
    m.term = term;
    this.messages.push(m);
  }

  promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  /** Appends entries as the leader, assigning terms and indexes. False if over the limit. */
  appendEntries(entries: readonly Entry[]): boolean {
    const bytes = entriesBytes(entries.filter((e) => e.data.length > 0));
    const emptyOnly = entries.every((e) => e.data.length === 0);
    if (
      !emptyOnly &&
      this.uncommittedBytes > 0 &&
      this.uncommittedBytes + bytes > this.config.uncommittedBytesMax
    ) {
      return false;
    }
    let index = this.log.lastIndex();
    const stamped = entries.map((e): Entry => ({
      term: this.term,
      index: ++index,
      type: e.type,
      data: e.data,
    }));
    this.log.append(stamped);
    this.uncommittedBytes += bytes;
    // The leader's own progress advances only once the entries are on its disk (onPersisted).
    return true;
  }

  /**
   * Commits the highest index a majority of voters has, if it is of the current term
   * (Raft paper section 5.4.2: an earlier term's entry is committed only indirectly).
   */
  protected maybeCommitIndex(): boolean {
    return this.log.maybeCommit(this.tracker.committed(), this.term);
  }

  maybeCommit(): boolean {
    const committed = this.maybeCommitIndex();
    if (
      committed &&
      this.pendingReadIndexMessages.length > 0 &&
      this.committedEntryInCurrentTerm()
    ) {
      const pending = this.pendingReadIndexMessages;
      this.pendingReadIndexMessages = [];
      for (const m of pending) stepLeader(this, m);
    }
    return committed;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** The driver persisted entries up to `index` (of `term`): the leader may count itself. */
  onPersisted(index: number, term: number): void {
    this.log.stableTo(index, term);
    if (this.state !== 'Leader') return;
    const pr = this.tracker.progress.get(this.id);
    if (pr === undefined) return; // removed, still stepping down
    if (pr.maybeUpdate(this.log.lastStableIndex()) && this.maybeCommit()) {
      this.bcastAppend();
    }
  }

  /** Committed entries were handed to the application: they no longer count as uncommitted. */
  reduceUncommittedBytes(entries: readonly Entry[]): void {
    if (this.uncommittedBytes === 0) return;
    let bytes = 0;
    for (const e of entries) if (e.data.length > 0) bytes += entriesBytes([e]);
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'MsgTimeoutNow', to });
  }

  /** Sends a MsgApp (or, if the entries are compacted, a snapshot) to `to`. */
  sendAppend(to: NodeId): boolean {
    return this.maybeSendAppend(to, true);
  }

  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let entries: Entry[] | undefined;
    if (prevTerm !== undefined && pr.state === 'Replicate' && pr.inflights.full()) {
      // An ack can unpause a follower without freeing a slot (it acknowledged only part of
      // the oldest message in flight): send no entries, only the commit index, as etcd does.
      entries = [];
    } else if (prevTerm !== undefined) {
      try {
        entries = this.log.entriesFrom(pr.next, this.config.messageBytesMax);
      } catch {
        entries = undefined; // compacted
      }
    }
    if (prevTerm === undefined || entries === undefined) return this.maybeSendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: 'MsgApp',
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentEntries(entries.length, entriesBytes(entries));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Do not spend a snapshot on a member that has not been heard from lately.
    if (!pr.recentActive) return false;
    let snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch {
      return false; // SnapshotTemporarilyUnavailable: try again on the next heartbeat
    }
    assert(snapshot.metadata.index !== 0, 'need a non-empty snapshot');
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: 'MsgSnap', to, snapshot });
    return true;
  }

  bcastAppend(): void {
    for (const id of this.tracker.progress.keys()) {
      if (id !== this.id) this.sendAppend(id);
    }
  }

  bcastHeartbeat(context?: Uint8Array): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to have.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'MsgHeartbeat', to: id, commit, context });
    }
  }

  // ---- Membership (dissertation 4.1: one voter at a time) ----

  applyConfChange(change: ConfChange): ConfState {
    const next = applyChange(this.tracker.confState(), change);
    return this.switchConfig(next);
  }

  switchConfig(confState: ConfState): ConfState {
    const lastIndex = this.log.lastIndex();
    this.tracker.setConfig(confState, (_id, isLearner) => {
      // Probe from the end: the first answer says where the new member's log stands.
      const pr = new Progress({
        next: Math.max(lastIndex, 1),
        inflightMessagesMax: this.config.inflightMessagesMax,
        inflightBytesMax: this.config.inflightBytesMax,
        isLearner,
      });
      // A new member gets a grace period before check-quorum counts it as silent.
      pr.recentActive = true;
      return pr;
    });
    const self = this.tracker.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    const cs = this.tracker.confState();
    if ((self === undefined || this.isLearner) && this.state === 'Leader') {
      // The leader was removed (or demoted): it steps down and the rest elect a new one.
      this.becomeFollower(this.term, None);
      return cs;
    }
    if (this.state !== 'Leader' || cs.voters.length === 0) return cs;
    if (this.maybeCommit()) {
      this.bcastAppend(); // a smaller quorum may commit more now
    } else {
      for (const id of this.tracker.progress.keys()) {
        if (id !== this.id) this.maybeSendAppend(id, false); // probe new members now
      }
    }
    if (this.leadTransferee !== None && !this.tracker.isVoter(this.leadTransferee)) {
      this.abortLeaderTransfer();
    }
    return cs;
  }

  // ---- Snapshots ----

  /** A follower installs the leader's snapshot; false if it is stale or only fast-forwards. */
  restore(m: Message): boolean {
    const snapshot = m.snapshot!;
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    assert(this.state === 'Follower', () => `restore as ${this.state}`);
    // We may be missing from the snapshot's configuration: a member added after the
    // snapshot was taken gets it first and learns of its own addition from the entries that
    // follow. Until then it is not promotable, so it cannot campaign.
    if (this.log.matchTerm(index, term)) {
      // We have the snapshot's last entry: just move the commit index forward.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.tracker.progress.clear();
    this.switchConfig(confState);
    return true;
  }

  // ---- State for Ready ----

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  loadHardState(hs: HardState): void {
    assertSafeInteger(hs.term, 'term');
    assertSafeInteger(hs.commit, 'commit');
    assert(
      hs.commit >= this.log.committed && hs.commit <= this.log.lastIndex(),
      () =>
        `hard state commit ${hs.commit} out of range [${this.log.committed}, ${this.log.lastIndex()}]`,
    );
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }
}
