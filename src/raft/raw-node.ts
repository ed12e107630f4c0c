import { assert } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import { validateConfig, type RaftConfig, type ValidRaftConfig } from './config.js';
import { encodeConfChange } from './confchange-codec.js';
import { message } from './message.js';
import { Raft } from './raft.js';
import type { ProgressStatus, Status } from './status.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  SoftState,
} from './types.js';
import { isLocalMessage, isResponseMessage } from './types.js';

export interface RawNodeOptions {
  /** Builds the state machine; tests use it to plant bugs (a subclass of Raft). */
  readonly createRaft?: (config: ValidRaftConfig) => Raft;
}

/** What the last Ready handed out, so `advance()` knows what became stable and applied. */
interface Handed {
  readonly lastEntry?: Entry;
  readonly snapshotIndex?: number;
  readonly lastCommitted?: Entry;
  readonly committed: readonly Entry[];
}

/**
 * The application's handle on the Raft core (etcd-io/raft's RawNode): a synchronous,
 * single-threaded API. Feed it ticks, messages and proposals; collect a Ready; do what it
 * says in its documented order; call `advance()`.
 *
 * @example
 * const node = new RawNode({ id: 1n, storage, prng: new Prng(seed) });
 * node.campaign();
 * while (node.hasReady()) {
 *   const rd = node.ready();
 *   persist(rd); send(rd.messages); apply(rd.committedEntries);
 *   node.advance();
 * }
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private handed: Handed | undefined;

  constructor(config: RaftConfig, options: RawNodeOptions = {}) {
    const valid = validateConfig(config);
    this.raft = options.createRaft ? options.createRaft(valid) : new Raft(valid);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests and tools; members campaign on their own after timeouts). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup', from: this.raft.id }));
  }

  /**
   * Proposes data to be appended to the log. Throws ConcordError 'ProposalDropped' when it
   * cannot be accepted (no leader known, a transfer under way, too much uncommitted data);
   * acceptance does not promise commitment: watch the committed entries.
   */
  propose(data: Uint8Array): void {
    this.stepLocal(
      message({
        type: 'MsgProp',
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: 'Normal', data }],
      }),
    );
  }

  /**
   * Proposes several entries in one step: one append and one MsgApp per follower for all of
   * them. The driver collects what clients proposed meanwhile and hands it over here.
   */
  proposeBatch(data: readonly Uint8Array[]): void {
    if (data.length === 0) return;
    this.stepLocal(
      message({
        type: 'MsgProp',
        from: this.raft.id,
        entries: data.map((d) => ({ term: 0, index: 0, type: 'Normal' as const, data: d })),
      }),
    );
  }

  /** Proposes a membership change (one voter at a time); applied via `applyConfChange`. */
  proposeConfChange(change: ConfChange): void {
    this.stepLocal(
      message({
        type: 'MsgProp',
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: 'ConfChange', data: encodeConfChange(change) }],
      }),
    );
  }

  /** Applies a committed conf change; call it when its entry is applied. */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change);
  }

  /**
   * Asks for a linearizable read point. A ReadState with this context appears in a later
   * Ready; serve the read once the applied index reaches its index. A request may be
   * silently lost (leader change): time out and retry with a new context.
   */
  readIndex(context: Uint8Array): void {
    // Heartbeat acks are matched to reads by context; an empty one could never be matched.
    if (context.length === 0) {
      throw new ConcordError('InvalidArgument', 'raft: a read index context must not be empty');
    }
    this.stepLocal(message({ type: 'MsgReadIndex', context }), 'read index request');
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: 'MsgTransferLeader', from: transferee }));
  }

  /** Processes a message from a peer. Local message types and strays are ignored. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) return;
    if (isResponseMessage(m.type) && !this.raft.tracker.isMember(m.from)) return;
    this.raft.step(m);
  }

  /** The transport could not reach `id`: stop streaming to it and probe. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: 'MsgUnreachable', from: id }));
  }

  /** The transport finished sending a snapshot to `id` (or failed to). */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(message({ type: 'MsgSnapStatus', from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const r = this.raft;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    if (!hardStateEqual(r.hardState(), this.prevHardState)) return true;
    if (r.log.unstable.snapshot !== undefined) return true;
    if (r.log.unstable.entries.length > 0) return true;
    if (r.messages.length > 0 || r.readStates.length > 0) return true;
    return r.log.hasNextCommittedEntries();
  }

  /** Everything to do now. Call `advance()` once it is done, before the next `ready()`. */
  ready(): Ready {
    assert(this.handed === undefined, 'ready() called again before advance()');
    const r = this.raft;
    const softState = r.softState();
    const hardState = r.hardState();
    const entries = r.log.unstableEntries();
    const snapshot = r.log.unstable.snapshot;
    const committedEntries = r.log.nextCommittedEntries();
    const hardChanged = !hardStateEqual(hardState, this.prevHardState);
    const rd: Ready = {
      softState: softStateEqual(softState, this.prevSoftState) ? undefined : softState,
      hardState: hardChanged ? hardState : undefined,
      readStates: r.readStates,
      entries,
      snapshot,
      committedEntries,
      messages: r.messages,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        termOrVoteChanged(hardState, this.prevHardState),
    };
    r.messages = [];
    r.readStates = [];
    this.prevSoftState = softState;
    this.prevHardState = hardState;
    this.handed = {
      lastEntry: entries[entries.length - 1],
      snapshotIndex: snapshot?.metadata.index,
      lastCommitted: committedEntries[committedEntries.length - 1],
      committed: committedEntries,
    };
    return rd;
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const handed = this.handed;
    assert(handed !== undefined, 'advance() without ready()');
    this.handed = undefined;
    const r = this.raft;
    if (handed.snapshotIndex !== undefined) {
      r.log.stableSnapTo(handed.snapshotIndex);
      r.log.appliedTo(handed.snapshotIndex);
    }
    if (handed.lastEntry !== undefined) {
      r.onPersisted(handed.lastEntry.index, handed.lastEntry.term);
    }
    if (handed.lastCommitted !== undefined) {
      r.log.appliedTo(handed.lastCommitted.index);
      r.reduceUncommittedBytes(handed.committed);
    }
  }

  status(): Status {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | undefined;
    if (r.state === 'Leader') {
      progress = new Map();
      for (const [id, pr] of r.tracker.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      state: r.state,
      lastIndex: r.log.lastIndex(),
      config: r.tracker.confState(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  private stepLocal(m: Message, what = 'proposal'): void {
    if (this.raft.step(m) === 'dropped') {
      throw new ConcordError('ProposalDropped', `raft ${what} dropped`);
    }
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state;
}

function termOrVoteChanged(a: HardState, b: HardState): boolean {
  return a.term !== b.term || a.vote !== b.vote;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
