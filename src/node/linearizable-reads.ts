import { ConcordError } from '../base/errors.js';
import type { Clock } from '../env/clock.js';
import type { ReadState } from '../raft/types.js';
import type { AppliedWait } from './applied-wait.js';

interface PendingRead {
  resolve(): void;
  reject(error: ConcordError): void;
}

interface Round {
  readonly context: Uint8Array;
  readonly key: string;
  readonly reads: PendingRead[];
  readonly askedAt: number;
  stopRetry: () => void;
}

export interface LinearizableReadsOptions {
  /** Re-ask for a read index this often while unanswered (a leader change loses requests). */
  readonly retryMs: number;
  /** Give up on a read after this long. */
  readonly timeoutMs: number;
  /** Reads waiting at once, at most. */
  readonly pendingMax: number;
  /** ReadIndex rounds in flight at once, at most (default 2). */
  readonly roundsMax?: number;
}

/**
 * Linearizable reads through ReadIndex (Raft dissertation 6.4; etcd's linearizableReadLoop).
 * A read is served by a round asked for after it arrived, because an earlier round's read
 * index may predate writes acknowledged before it arrived.
 *
 * Batching, as etcd's loop batches: every read that arrives in one turn of the event loop
 * (the requests of one socket read, say) shares one round, started in a microtask after that
 * turn. Unlike etcd's loop, which waits for a round to finish before it asks again, a second
 * round may start while one is in flight (up to `roundsMax`): a read that arrives just after
 * a round started then waits one round trip to the leader, not up to two. A later round's
 * answer also serves every earlier round still waiting (its index is at least theirs).
 */
export class LinearizableReads {
  private waiting: PendingRead[] = [];
  /** Rounds in flight, oldest first. */
  private rounds: Round[] = [];
  private sequence: bigint;
  private startScheduled = false;
  private readonly roundsMax: number;

  constructor(
    private readonly askReadIndex: (context: Uint8Array) => void,
    private readonly applied: AppliedWait,
    private readonly clock: Clock,
    private readonly options: LinearizableReadsOptions,
    private readonly contextPrefix: bigint,
    /**
     * Where this process's contexts start, seeded from the time it started. Restarting at 0,
     * a restarted member could take the leader's late answer to a context asked before the
     * restart for one asked after it, and serve a read at an index older than the read.
     */
    sequenceStart: bigint,
  ) {
    this.roundsMax = options.roundsMax ?? 2;
    this.sequence = sequenceStart;
  }

  /** Resolves once every write acknowledged before the call is applied locally. */
  barrier(): Promise<void> {
    if (this.waiting.length >= this.options.pendingMax) {
      return Promise.reject(new ConcordError('TooManyRequests', 'etcdserver: too many requests'));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.scheduleRound();
    });
  }

  onReadStates(states: readonly ReadState[]): void {
    for (const state of states) {
      const key = keyOf(state.context);
      const at = this.rounds.findIndex((round) => round.key === key);
      if (at < 0) continue; // an answer to a round already served or given up
      const served = this.rounds.splice(0, at + 1);
      const reads: PendingRead[] = [];
      for (const round of served) {
        round.stopRetry();
        for (const read of round.reads) reads.push(read);
      }
      void this.applied.wait(state.index).then(() => {
        for (const read of reads) read.resolve();
      });
    }
    if (this.waiting.length > 0) this.scheduleRound();
  }

  /** Fails every read (the member stopped or lost its log). */
  failAll(error: ConcordError): void {
    const reads: PendingRead[] = [];
    for (const round of this.rounds) {
      round.stopRetry();
      for (const read of round.reads) reads.push(read);
    }
    for (const read of this.waiting) reads.push(read);
    this.rounds = [];
    this.waiting = [];
    for (const read of reads) read.reject(error);
  }

  private scheduleRound(): void {
    if (this.startScheduled) return;
    this.startScheduled = true;
    queueMicrotask(() => {
      this.startScheduled = false;
      if (this.waiting.length > 0 && this.rounds.length < this.roundsMax) this.startRound();
    });
  }

  private startRound(): void {
    this.sequence++;
    const context = new Uint8Array(16);
    const view = new DataView(context.buffer);
    view.setBigUint64(0, this.contextPrefix);
    view.setBigUint64(8, BigInt.asUintN(64, this.sequence));
    const round: Round = {
      context,
      key: keyOf(context),
      reads: this.waiting,
      askedAt: this.clock.now(),
      stopRetry: () => undefined,
    };
    this.waiting = [];
    this.rounds.push(round);
    this.ask(round);
  }

  private ask(round: Round): void {
    this.askReadIndex(round.context);
    round.stopRetry = this.clock.after(this.options.retryMs, () => {
      if (!this.rounds.includes(round)) return;
      if (this.clock.now() - round.askedAt >= this.options.timeoutMs) {
        this.rounds.splice(this.rounds.indexOf(round), 1);
        for (const read of round.reads) {
          read.reject(new ConcordError('Timeout', 'etcdserver: request timed out'));
        }
        if (this.waiting.length > 0) this.scheduleRound();
        return;
      }
      this.ask(round);
    });
  }
}

function keyOf(context: Uint8Array): string {
  let key = '';
  for (const byte of context) key += byte.toString(16).padStart(2, '0');
  return key;
}
