import { assert } from '../base/assert.js';
import { ConcordError, isConcordError } from '../base/errors.js';
import type { Clock } from '../env/clock.js';
import type { RawNode } from '../raft/raw-node.js';
import type { ConfChange, Entry, Message, ReadState, Snapshot, SoftState } from '../raft/types.js';
import { isSafeToSendBeforePersist, None } from '../raft/types.js';
import type { RaftLogStore } from '../storage/raft-log-store.js';

/** What the driver hands to the rest of the member, in the documented order. */
export interface DriverHooks {
  /** Sends messages to peers (a no-op for a single member). Must not block. */
  send(messages: readonly Message[]): void;
  /** Leader or role changed. */
  softState(state: SoftState): void;
  /** A snapshot from the leader, to install before the entries that follow it. */
  applySnapshot(snapshot: Snapshot): void;
  /** Committed entries, in order. Synchronous: the state machine is. */
  applyEntries(entries: readonly Entry[]): void;
  /** Confirmed read points (ReadIndex). */
  readStates(states: readonly ReadState[]): void;
  /** Proposals Raft refused; their waiters must fail (retryable). */
  proposalsDropped(proposals: readonly Uint8Array[], error: ConcordError): void;
  /** The log could not be persisted: the member must stop accepting writes. */
  failed(error: ConcordError): void;
}

export interface DriverOptions {
  readonly tickMs: number;
  /** Proposals waiting for the next Ready pass, at most. */
  readonly pendingProposalsMax: number;
}

/** A leader's pass with at most this many new entries syncs inline (Driver.syncInline). */
const inlineSyncEntriesMax = 1;

/**
 * The only place where Raft output becomes effects (DESIGN.md), in this order: persist entries
 * and hard state (one fsync), send, apply, advance. A leader sends its appends before its own
 * fsync completes, and a follower forwards client requests at once; acks and votes wait for it.
 *
 * Proposals that arrive while a Ready is being persisted wait in a queue and go to Raft as one
 * batch in the next pass: one fsync and one message per follower covers them all (group
 * commit), which is where throughput comes from.
 */
export class Driver {
  // Proposals not yet handed to Raft, each with a test of whether its client still waits.
  private pending: { data: Uint8Array; live: () => boolean }[] = [];
  private running = false;
  private sendingSafe = false;
  private forwarding = false;
  private stopped = false;
  private failure: ConcordError | undefined;
  private idle: Promise<void> = Promise.resolve();
  private stopTicker: (() => void) | undefined;

  constructor(
    readonly raw: RawNode,
    private readonly store: RaftLogStore,
    private readonly hooks: DriverHooks,
    private readonly clock: Clock,
    private readonly options: DriverOptions,
  ) {}

  start(): void {
    this.stopTicker = this.clock.every(this.options.tickMs, () => {
      if (this.stopped || this.failure) return;
      this.raw.tick();
      this.wake();
    });
    this.wake();
  }

  /** Stops ticking and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTicker?.();
    await this.idle;
  }

  get failed(): ConcordError | undefined {
    return this.failure;
  }

  /**
   * Queues an encoded proposal for the next pass. Throws ConcordError when the member cannot
   * take it now ('Stopped', the persist failure, or 'TooManyRequests' when the queue is full).
   */
  propose(data: Uint8Array, live: () => boolean = () => true): void {
    if (this.stopped) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    if (this.failure) throw this.failure;
    if (this.pending.length >= this.options.pendingProposalsMax) {
      throw new ConcordError('TooManyRequests', 'etcdserver: too many requests');
    }
    this.pending.push({ data, live });
    if (this.raw.raft.state === 'Follower') this.forwardSoon();
    else this.wake();
  }

  /**
   * A follower forwards its clients' proposals (as MsgProp: safe before any persist) once per
   * event-loop turn: what arrived on all its client connections in one poll phase leaves in one
   * frame. Forwarding each request's microtask on its own sent about one frame per write (a
   * write syscall here and a read on the leader, each tens of microseconds on this VM). It does
   * not wait for a pass in flight: a write sent to a follower would otherwise wait a whole
   * follower fsync and apply before the leader sees it. Raft only forwards them, so the Ready in
   * flight is untouched. A leader keeps proposals queued for its next pass instead: one fsync
   * for the batch (group commit).
   */
  private forwardSoon(): void {
    if (this.forwarding) return;
    this.forwarding = true;
    setImmediate(() => {
      this.forwarding = false;
      if (this.stopped || this.failure) return;
      // No longer a follower (or no leader known): the next pass takes them as usual.
      if (this.raw.raft.state !== 'Follower' || !this.running) {
        this.wake();
        return;
      }
      this.flushProposals();
      this.sendSafeSoon();
    });
  }

  step(message: Message): void {
    if (this.stopped || this.failure) return;
    if (this.queueForwarded(message)) return;
    this.raw.step(message);
    if (this.running) this.sendSafeSoon();
    this.wake();
  }

  /**
   * A leader queues the proposals followers forward with its own clients' (group commit)
   * instead of stepping each on arrival: stepped, every forwarded frame became its own append
   * and its own MsgApp to each follower (and, from the followers, its own ack), so writes sent
   * to followers cost the whole cluster about twice the CPU of writes sent to the leader.
   * Queued, they join the next pass's batch: one append, one fsync and one MsgApp per follower
   * for all of them, as etcd's leader sends a Ready's worth of proposals in one append.
   * Raft would only append them too: nothing but their timing changes. Conf changes (rare, and
   * checked one at a time by Raft) and a full queue go to Raft directly.
   *
   * They stay live only while this member leads in the term they arrived in. Stepped on
   * arrival, a deposed leader's uncommitted copy was truncated by the next leader; queued, a
   * deposed leader would forward them once it learns of a leader, maybe after a partition
   * heals, long after their client was told the write timed out (the follower's waiter is
   * the only one, and it is gone). Dropped instead, their client's timeout stays the answer.
   */
  private queueForwarded(message: Message): boolean {
    if (message.type !== 'MsgProp' || this.raw.raft.state !== 'Leader') return false;
    const entries = message.entries;
    if (this.pending.length + entries.length > this.options.pendingProposalsMax) return false;
    if (!entries.every((e) => e.type === 'Normal')) return false;
    const term = this.raw.raft.term;
    const live = (): boolean => this.raw.raft.state === 'Leader' && this.raw.raft.term === term;
    for (const e of entries) this.pending.push({ data: e.data, live });
    this.wake();
    return true;
  }

  /**
   * While a pass waits for its fsync, what peers' messages made Raft send and may go before
   * any persist (isSafeToSendBeforePersist: a leader's appends carrying a new commit index,
   * heartbeats for read index) leaves in this turn's microtask instead of with the next
   * Ready, after that fsync: followers learn of commits, and answer their clients, one fsync
   * sooner. Acks and votes stay queued for the next Ready, in their order.
   */
  private sendSafeSoon(): void {
    if (this.sendingSafe) return;
    this.sendingSafe = true;
    queueMicrotask(() => {
      this.sendingSafe = false;
      if (!this.running || this.stopped || this.failure) return;
      const raft = this.raw.raft;
      const safe = raft.messages.filter(isSafeToSendBeforePersist);
      if (safe.length === 0) return;
      raft.messages = raft.messages.filter((m) => !isSafeToSendBeforePersist(m));
      this.hooks.send(safe);
    });
  }

  /** Asks for a read index; without a leader the request is dropped and the caller retries. */
  readIndex(context: Uint8Array): void {
    try {
      this.raw.readIndex(context);
    } catch (error) {
      if (!isConcordError(error, 'ProposalDropped')) throw error;
      return;
    }
    this.wake();
  }

  proposeConfChange(change: ConfChange): void {
    this.raw.proposeConfChange(change);
    this.wake();
  }

  transferLeader(to: bigint): void {
    this.raw.transferLeader(to);
    this.wake();
  }

  /**
   * Runs a pass soon; passes never overlap. Soon is a microtask: after the caller's turn (so a
   * frame of messages or a burst of proposals in one callback makes one pass), but before the
   * event loop goes round again. A setImmediate hop here cost a whole loop iteration on every
   * step of a write's path (propose, follower's append, leader's ack), which under load is
   * milliseconds each. `later` (a re-wake after a pass) yields to I/O first, so work that keeps
   * arriving can never starve the loop.
   */
  wake(later = false): void {
    if (this.running || this.stopped) return;
    this.running = true;
    const turn = later ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve();
    this.idle = turn.then(() => this.run());
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped && !this.failure) {
        this.flushProposals();
        if (!this.raw.hasReady()) break;
        await this.handleReady();
      }
    } finally {
      this.running = false;
    }
    // Work that arrived during the last await.
    // (Proposals waiting for a leader are retried on the next tick, not in a busy loop.)
    const canPropose = this.pending.length > 0 && this.raw.raft.lead !== None;
    if (!this.stopped && !this.failure && (canPropose || this.raw.hasReady())) this.wake(true);
  }

  private flushProposals(): void {
    // Without a known leader Raft would drop them: they wait (bounded, and each client has a
    // deadline), as etcd's node holds proposals until a leader is known.
    if (this.pending.length === 0 || this.raw.raft.lead === None) return;
    // A proposal whose client gave up (deadline, cancel) is withdrawn: once in Raft it could
    // no longer be, and applying a write its client saw fail would surprise a retrying client.
    const batch = this.pending.filter((p) => p.live()).map((p) => p.data);
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.raw.proposeBatch(batch);
    } catch (error) {
      if (!isConcordError(error)) throw error;
      this.hooks.proposalsDropped(batch, error);
    }
  }

  private async handleReady(): Promise<void> {
    const rd = this.raw.ready();
    if (rd.softState) this.hooks.softState(rd.softState);
    // A leader's appends go out before its own WAL write and fsync (parallel disk and
    // network); so do requests a follower forwards. Acks and votes wait for the fsync
    // (isSafeToSendBeforePersist), then leave before the apply: the transport writes what
    // one send() is given before it returns.
    const early = rd.messages.filter(isSafeToSendBeforePersist);
    const late = rd.messages.filter((m) => !isSafeToSendBeforePersist(m));
    if (early.length > 0) this.hooks.send(early);
    // A commit-index-only change needs no write: the commit index is recovered on restart
    // from the log and the state machine's applied index.
    if (rd.mustSync || rd.snapshot !== undefined) {
      this.store.inlineSync = this.syncInline(rd.entries.length);
      try {
        await this.store.persist({
          hardState: rd.hardState,
          entries: rd.entries,
          snapshot: rd.snapshot,
        });
      } catch (error) {
        this.fail(error);
        return; // no advance: nothing in this Ready may be acknowledged
      }
    }
    if (late.length > 0) this.hooks.send(late);
    if (rd.snapshot !== undefined) this.hooks.applySnapshot(rd.snapshot);
    if (rd.committedEntries.length > 0) this.hooks.applyEntries(rd.committedEntries);
    if (rd.readStates.length > 0) this.hooks.readStates(rd.readStates);
    this.raw.advance();
  }

  /**
   * Whether this pass's fsync runs on this thread (Wal.inlineSync) rather than in the thread
   * pool. A follower's ack waits for it and so does a leader's lone write, and the pool costs
   * two wake-ups (a pool thread's, then this one's) that a busy host serves late: under a
   * 1-client put load on 2 cores the leader's pooled fsyncs took 428 µs at the median and
   * 3.1 ms at p99, its followers' inline ones 266 µs and 0.85 ms, and the pooled ones were
   * most of the puts over 2.5 ms. A leader with a batch keeps its thread for the clients
   * whose requests arrive meanwhile (they make the next batch).
   */
  private syncInline(entries: number): boolean {
    return this.raw.raft.state !== 'Leader' || entries <= inlineSyncEntriesMax;
  }

  private fail(error: unknown): void {
    assert(
      isConcordError(error),
      () => `persist failed with a non-operating error: ${String(error)}`,
    );
    this.failure = error;
    const dropped = this.pending.map((p) => p.data);
    this.pending = [];
    if (dropped.length > 0) this.hooks.proposalsDropped(dropped, error);
    this.hooks.failed(error);
  }
}
