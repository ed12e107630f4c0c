import { ConcordError } from '../base/errors.js';
import type { Clock } from '../env/clock.js';
import type { ReadState } from '../raft/types.js';
import type { AppliedWait } from './applied-wait.js';

interface PendingRead {
  resolve(): void;
  reject(error: ConcordError): void;
}

export interface LinearizableReadsOptions {
  /** Re-ask for a read index this often while unanswered (a leader change loses requests). */
  readonly retryMs: number;
  /** Give up on a read after this long. */
  readonly timeoutMs: number;
  /** Reads waiting at once, at most. */
  readonly pendingMax: number;
}

/**
 * Linearizable reads through ReadIndex (Raft dissertation 6.4; etcd's linearizableReadLoop).
 * Reads that arrive while a round is in flight wait for the next round, because the in-flight
 * round's read index may predate writes acknowledged before they arrived. One round serves
 * every read waiting when it started.
 */
export class LinearizableReads {
  private waiting: PendingRead[] = [];
  private round:
    { context: Uint8Array; key: string; reads: PendingRead[]; askedAt: number } | undefined;
  private sequence = 0n;
  private stopRetry: (() => void) | undefined;

  constructor(
    private readonly askReadIndex: (context: Uint8Array) => void,
    private readonly applied: AppliedWait,
    private readonly clock: Clock,
    private readonly options: LinearizableReadsOptions,
    private readonly contextPrefix: bigint,
  ) {}

  /** Resolves once every write acknowledged before the call is applied locally. */
  barrier(): Promise<void> {
    if (this.waiting.length >= this.options.pendingMax) {
      return Promise.reject(new ConcordError('TooManyRequests', 'etcdserver: too many requests'));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.round === undefined) this.startRound();
    });
  }

  onReadStates(states: readonly ReadState[]): void {
    const round = this.round;
    if (round === undefined) return;
    for (const state of states) {
      if (keyOf(state.context) !== round.key) continue; // an older round's late answer
      this.round = undefined;
      this.stopRetry?.();
      const reads = round.reads;
      void this.applied.wait(state.index).then(() => {
        for (const read of reads) read.resolve();
      });
      if (this.waiting.length > 0) this.startRound();
      return;
    }
  }

  /** Fails every read (the member stopped or lost its log). */
  failAll(error: ConcordError): void {
    this.stopRetry?.();
    const reads = [...(this.round?.reads ?? []), ...this.waiting];
    this.round = undefined;
    this.waiting = [];
    for (const read of reads) read.reject(error);
  }

  private startRound(): void {
    this.sequence++;
    const context = new Uint8Array(16);
    const view = new DataView(context.buffer);
    view.setBigUint64(0, this.contextPrefix);
    view.setBigUint64(8, this.sequence);
    const round = { context, key: keyOf(context), reads: this.waiting, askedAt: this.clock.now() };
    this.waiting = [];
    this.round = round;
    this.ask(round);
  }

  private ask(round: NonNullable<typeof this.round>): void {
    this.askReadIndex(round.context);
    this.stopRetry?.();
    this.stopRetry = this.clock.after(this.options.retryMs, () => {
      if (this.round !== round) return;
      if (this.clock.now() - round.askedAt >= this.options.timeoutMs) {
        this.round = undefined;
        for (const read of round.reads) {
          read.reject(new ConcordError('Timeout', 'etcdserver: request timed out'));
        }
        if (this.waiting.length > 0) this.startRound();
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
