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
import type { CrashDamage, MemberLog, ReadyUpdate, Recovery } from './member-log.js';
import type { CreateNode, RaftNode } from './raft-node.js';
import { StateMachine, decodeWrite } from './state-machine.js';
import type { WriteId } from './state-machine.js';

/**
 * Where in the handling of a Ready a member may crash (DESIGN.md's driver order).
 * `duringPersist` (disk logs only) kills the process part way through the persist's disk
 * operations, e.g. between the WAL's write and its fdatasync.
 */
export type CrashPoint =
  'beforePersist' | 'duringPersist' | 'afterPersist' | 'afterSend' | 'afterApply';

/** A crash the fault injector planned for the Ready being handled. */
export interface CrashPlan {
  readonly point: CrashPoint;
  /** What the crash does to the disk (disk logs only). */
  readonly damage: CrashDamage;
  /** For `duringPersist`: the disk operation of the persist at which the process dies. */
  readonly op: number;
}

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
  crashPlan(member: Member): CrashPlan | undefined;
  /** The member's log was opened: at its start and at every restart. */
  recovered(member: Member, recovery: Recovery): void;
  started(member: Member): void;
  crashed(member: Member, why: string): void;
  becameLeader(member: Member, term: number): void;
  /** After the Ready that made the member leader is persisted: its log is on its disk. */
  leaderPersisted(member: Member): void;
  persisted(member: Member, entries: readonly Entry[]): void;
  snapshotInstalled(member: Member, confState: ConfState): void;
  appliedEntry(member: Member, entry: Entry): void;
  appliedWrite(member: Member, id: WriteId, position: number, duplicate: boolean): void;
  appliedConfChange(member: Member, change: ConfChange): void;
  readServed(member: Member, context: Uint8Array, writes: readonly WriteId[]): void;
}

export interface MemberOptions {
  readonly id: NodeId;
  readonly log: MemberLog;
  readonly settings: MemberSettings;
  readonly observer: MemberObserver;
  readonly createNode: CreateNode;
  readonly prng: Prng;
  /** Added by the operator after the start, with empty storage. */
  readonly joinedLater: boolean;
}

/**
 * One simulated member: its durable log, and while it is up, the production RawNode and the
 * state machine. The log changes only in the persist step, so a crash loses at most what was
 * not persisted (and, on a disk log, what was not synced); everything else is rebuilt on
 * start: the state machine from the snapshot, then the committed entries re-applied.
 */
export class Member {
  readonly id: NodeId;
  readonly joinedLater: boolean;
  private readonly log: MemberLog;
  private readonly settings: MemberSettings;
  private readonly observer: MemberObserver;
  private node: RaftNode | undefined;
  private machine = new StateMachine();
  private confState: ConfState = { voters: [], learners: [] };
  private readStates: ReadState[] = [];
  private appliedIndex = 0;
  /** Volatile role and leader as last reported by the core's soft state. */
  role: StateType = 'Follower';
  lead: NodeId = None;
  term = 0;
  removed = false;
  /** Its disk refused to open (damaged): down for good, as an operator would leave it. */
  failed = false;

  constructor(private readonly options: MemberOptions) {
    this.id = options.id;
    this.joinedLater = options.joinedLater;
    this.log = options.log;
    this.settings = options.settings;
    this.observer = options.observer;
  }

  /** The durable log (for a disk log: the store's view, rebuilt at every restart). */
  get storage(): MemoryStorage {
    return this.log.storage;
  }

  /** The last crash left flipped bits on the disk that no restart has met yet. */
  get damaged(): boolean {
    return this.log.damaged;
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

  /**
   * Writes what an initial member's disk holds before its first start (the bootstrap log).
   */
  async bootstrap(update: ReadyUpdate): Promise<void> {
    this.observer.recovered(this, await this.log.open());
    assert(await this.log.persist(update), 'bootstrap persist failed');
  }

  /**
   * Starts (or restarts) from the durable log: state machine from the snapshot. A disk that
   * refuses to open leaves the member failed.
   */
  async start(): Promise<void> {
    assert(!this.up && !this.removed && !this.failed, `member ${this.id} cannot start`);
    const recovery = await this.log.open();
    this.observer.recovered(this, recovery);
    if (recovery.kind === 'refused') {
      this.failed = true;
      return;
    }
    const snapshot = this.storage.snapshot();
    this.machine = StateMachine.restore(snapshot.data);
    this.confState = snapshot.metadata.confState;
    this.appliedIndex = snapshot.metadata.index;
    this.term = this.storage.initialState().hardState.term;
    this.node = this.options.createNode({
      id: this.id,
      storage: this.storage,
      prng: this.options.prng.fork(),
      electionTicks: this.settings.electionTicks,
      heartbeatTicks: this.settings.heartbeatTicks,
      applied: this.appliedIndex,
      preVote: this.settings.preVote,
      checkQuorum: this.settings.checkQuorum,
    });
    this.observer.started(this);
  }

  /** Loses everything volatile (the node, the state machine, pending reads) and the disk's cache. */
  crash(why: string, damage: CrashDamage = {}): void {
    if (!this.up) return;
    this.log.crash(damage);
    this.node = undefined;
    this.machine = new StateMachine();
    this.readStates = [];
    this.role = 'Follower';
    this.lead = None;
    this.observer.crashed(this, why);
  }

  /** Handles Ready until the core has nothing more to say (or the member crashed). */
  async handleReady(): Promise<void> {
    for (let rounds = 0; this.node?.hasReady() === true; rounds++) {
      assert(rounds < 1000, () => `member ${this.id}: Ready never settles`);
      await this.handle(this.node.ready());
    }
  }

  private async handle(rd: Ready): Promise<void> {
    const plan = this.observer.crashPlan(this);
    const crashAt = plan?.point;
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
    if (crashAt === 'beforePersist') return this.crash('crash before persist', plan!.damage);
    if (crashAt === 'duringPersist') this.log.arm(plan!);
    if (!(await this.persist(rd))) return this.crash('crash during persist');
    if (rd.softState?.state === 'Leader') this.observer.leaderPersisted(this);
    if (crashAt === 'afterPersist') return this.crash('crash after persist', plan!.damage);
    this.send(rd.messages.filter((m) => !early.includes(m)));
    if (crashAt === 'afterSend') return this.crash('crash after send', plan!.damage);
    this.apply(rd);
    if (crashAt === 'afterApply') return this.crash('crash after apply', plan!.damage);
    this.raft.advance();
    await this.maybeSnapshot();
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) this.observer.send(this, message);
  }

  /** Resolves false when the process died part way through (an armed kill). */
  private async persist(rd: Ready): Promise<boolean> {
    const update = {
      hardState: rd.hardState,
      entries: rd.entries,
      snapshot: rd.snapshot,
      mustSync: rd.mustSync,
    };
    if (!(await this.log.persist(update))) return false;
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    this.observer.persisted(this, rd.entries);
    return true;
  }

  private apply(rd: Ready): void {
    if (rd.snapshot !== undefined) {
      this.machine = StateMachine.restore(rd.snapshot.data);
      this.confState = rd.snapshot.metadata.confState;
      this.appliedIndex = rd.snapshot.metadata.index;
      this.observer.snapshotInstalled(this, this.confState);
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
   * Snapshots and compacts often, so lagging and new members catch up through MsgSnap. The
   * leader sends its stored snapshot as it is, also to a member added after it was taken:
   * that member installs it and learns of its own addition from the entries that follow.
   */
  private async maybeSnapshot(): Promise<void> {
    const snapshotIndex = this.storage.snapshot().metadata.index;
    if (this.appliedIndex - snapshotIndex < this.settings.snapshotEntries) return;
    if (this.appliedIndex > this.storage.lastIndex()) return;
    const data = this.machine.snapshot();
    const { compactKeep } = this.settings;
    if (!(await this.log.snapshot(this.appliedIndex, this.confState, data, compactKeep))) {
      this.crash('crash while saving a snapshot');
    }
  }
}
