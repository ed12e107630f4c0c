import { assert } from '../../src/base/assert.js';
import type { Prng } from '../../src/base/prng.js';
import { decodeConfChange } from '../../src/raft/confchange-codec.js';
import type { MemoryStorage } from '../../src/raft/storage.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  ReadState,
  Ready,
  StateType,
} from '../../src/raft/types.js';
import { isSafeToSendBeforePersist, None } from '../../src/raft/types.js';
import type { CreateNode, RaftNode } from './raft-node.js';
import { StateMachine, decodeWrite } from './state-machine.js';
import type { WriteId } from './state-machine.js';

/** Where in the handling of a Ready a member may crash (DESIGN.md's driver order). */
export type CrashPoint = 'beforePersist' | 'afterPersist' | 'afterSend' | 'afterApply';

export interface MemberSettings {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Make a snapshot every this many applied entries (small, so lagging members get MsgSnap). */
  readonly snapshotEntries: number;
  /** Entries kept in the log behind a snapshot, for followers that lag a little. */
  readonly compactKeep: number;
  /** A leader sends its MsgApp/MsgHeartbeat/MsgSnap/MsgTimeoutNow before persisting. */
  readonly sendBeforePersist: boolean;
  /** Planted bug: every message, acks and votes included, goes out before the persist. */
  readonly ackBeforePersist: boolean;
}

/** How a member tells the rest of the simulation what it did. */
export interface MemberObserver {
  send(from: Member, message: Message): void;
  crashPoint(member: Member): CrashPoint | undefined;
  started(member: Member): void;
  crashed(member: Member, why: string): void;
  becameLeader(member: Member, term: number): void;
  /** After the Ready that made the member leader is persisted: its log is on its disk. */
  leaderPersisted(member: Member): void;
  persisted(member: Member, entries: readonly Entry[]): void;
  snapshotInstalled(member: Member): void;
  appliedEntry(member: Member, entry: Entry): void;
  appliedWrite(member: Member, id: WriteId, position: number, duplicate: boolean): void;
  appliedConfChange(member: Member, change: ConfChange): void;
  readServed(member: Member, context: Uint8Array, writes: readonly WriteId[]): void;
}

/**
 * One simulated member: its durable storage, and while it is up, the production RawNode and
 * the state machine. The MemoryStorage is the member's disk: it changes only in the persist
 * step, so a crash loses exactly what was not persisted; everything else is rebuilt on start.
 */
export class Member {
  private node: RaftNode | undefined;
  private machine = new StateMachine();
  private confState: ConfState;
  private readStates: ReadState[] = [];
  private appliedIndex = 0;
  /** Volatile role and leader as last reported by the core's soft state. */
  role: StateType = 'Follower';
  lead: NodeId = None;
  term = 0;
  removed = false;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    private readonly settings: MemberSettings,
    private readonly observer: MemberObserver,
    private readonly createNode: CreateNode,
    private readonly prng: Prng,
  ) {
    this.confState = storage.snapshot().metadata.confState;
  }

  get up(): boolean {
    return this.node !== undefined;
  }

  get raft(): RaftNode {
    assert(this.node !== undefined, () => `member ${this.id} is down`);
    return this.node;
  }

  get writes(): readonly WriteId[] {
    return this.machine.writes;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /** Starts (or restarts) from the persisted storage: state machine from the snapshot. */
  start(): void {
    assert(!this.up && !this.removed, `member ${this.id} started twice or after removal`);
    const snapshot = this.storage.snapshot();
    this.machine = StateMachine.restore(snapshot.data);
    this.confState = snapshot.metadata.confState;
    this.appliedIndex = snapshot.metadata.index;
    this.term = this.storage.initialState().hardState.term;
    this.node = this.createNode({
      id: this.id,
      storage: this.storage,
      prng: this.prng.fork(),
      electionTicks: this.settings.electionTicks,
      heartbeatTicks: this.settings.heartbeatTicks,
      applied: this.appliedIndex,
      preVote: this.settings.preVote,
      checkQuorum: this.settings.checkQuorum,
    });
    this.observer.started(this);
  }

  /** Loses everything volatile: the node, the state machine, pending reads. */
  crash(why: string): void {
    if (!this.up) return;
    this.node = undefined;
    this.machine = new StateMachine();
    this.readStates = [];
    this.role = 'Follower';
    this.lead = None;
    this.observer.crashed(this, why);
  }

  /** Handles Ready until the core has nothing more to say (or the member crashed). */
  handleReady(): void {
    for (let rounds = 0; this.node?.hasReady() === true; rounds++) {
      assert(rounds < 1000, () => `member ${this.id}: Ready never settles`);
      this.handle(this.node.ready());
    }
  }

  private handle(rd: Ready): void {
    const crashAt = this.observer.crashPoint(this);
    if (rd.softState !== undefined) {
      this.role = rd.softState.state;
      this.lead = rd.softState.lead;
    }
    const term = rd.hardState?.term ?? this.term;
    if (rd.softState?.state === 'Leader') this.observer.becameLeader(this, term);
    const early = rd.messages.filter(
      (m) =>
        this.settings.ackBeforePersist ||
        (this.settings.sendBeforePersist && isSafeToSendBeforePersist(m)),
    );
    this.send(early);
    if (crashAt === 'beforePersist') return this.crash('crash before persist');
    this.persist(rd);
    if (rd.softState?.state === 'Leader') this.observer.leaderPersisted(this);
    if (crashAt === 'afterPersist') return this.crash('crash after persist');
    this.send(rd.messages.filter((m) => !early.includes(m)));
    if (crashAt === 'afterSend') return this.crash('crash after send');
    this.apply(rd);
    if (crashAt === 'afterApply') return this.crash('crash after apply');
    this.raft.advance();
    this.maybeSnapshot(rd.committedEntries.some((entry) => entry.type === 'ConfChange'));
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) this.observer.send(this, message);
  }

  private persist(rd: Ready): void {
    if (rd.hardState !== undefined) {
      this.storage.setHardState(rd.hardState);
      this.term = rd.hardState.term;
    }
    if (rd.snapshot !== undefined) this.storage.applySnapshot(rd.snapshot);
    this.storage.append(rd.entries);
    this.observer.persisted(this, rd.entries);
  }

  private apply(rd: Ready): void {
    if (rd.snapshot !== undefined) {
      this.machine = StateMachine.restore(rd.snapshot.data);
      this.confState = rd.snapshot.metadata.confState;
      this.appliedIndex = rd.snapshot.metadata.index;
      this.observer.snapshotInstalled(this);
    }
    for (const entry of rd.committedEntries) {
      this.appliedIndex = entry.index;
      this.observer.appliedEntry(this, entry);
      if (entry.type === 'ConfChange') {
        if (entry.data.length === 0) continue;
        const change = decodeConfChange(entry.data);
        this.confState = this.raft.applyConfChange(change);
        this.observer.appliedConfChange(this, change);
        continue;
      }
      const id = decodeWrite(entry.data);
      if (id === undefined) continue; // a new leader's no-op
      const { position, duplicate } = this.machine.apply(id);
      this.observer.appliedWrite(this, id, position, duplicate);
    }
    this.readStates.push(...rd.readStates);
    this.serveReads();
  }

  /** ReadIndex: a read is served once the state machine has caught up with its read index. */
  private serveReads(): void {
    const waiting: ReadState[] = [];
    for (const read of this.readStates) {
      if (this.appliedIndex >= read.index) {
        this.observer.readServed(this, read.context, this.machine.writes);
      } else {
        waiting.push(read);
      }
    }
    this.readStates = waiting;
  }

  /**
   * Snapshots and compacts often, so lagging and new members catch up through MsgSnap.
   *
   * Also right after a membership change: the leader sends the stored snapshot as it is,
   * and a member added after that snapshot was made finds itself outside its configuration
   * and must ignore it, forever. (etcd's server avoids this the same way in spirit: it
   * builds each MsgSnap from the current applied state and configuration.)
   */
  private maybeSnapshot(confChanged: boolean): void {
    const snapshotIndex = this.storage.snapshot().metadata.index;
    if (this.appliedIndex <= snapshotIndex) return;
    if (!confChanged && this.appliedIndex - snapshotIndex < this.settings.snapshotEntries) return;
    if (this.appliedIndex > this.storage.lastIndex()) return;
    this.storage.createSnapshot(this.appliedIndex, this.confState, this.machine.snapshot());
    const compactIndex = this.appliedIndex - this.settings.compactKeep;
    if (compactIndex >= this.storage.firstIndex()) this.storage.compact(compactIndex);
  }
}
