import type { ConcordError } from '../base/errors.js';
import type { Clock } from '../env/clock.js';
import type { CancelSignal } from './api.js';

export type GiveUpReason = 'timeout' | 'canceled';

/**
 * Waits for `promise`, but at most `ms`, and no longer than the client wants (`signal`).
 * `onGiveUp` cleans up (e.g. withdraws the request's waiter) and says what to answer.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  clock: Clock,
  ms: number,
  signal: CancelSignal | undefined,
  onGiveUp: (reason: GiveUpReason) => ConcordError,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = new Deadline(clock, ms, signal, onGiveUp, reject);
    promise.then(
      (value) => {
        deadline.settle();
        resolve(value);
      },
      (error: unknown) => {
        deadline.settle();
        reject(error);
      },
    );
  });
}

/**
 * One wait's timer and abort listener. An object rather than closures: this runs for every
 * write and linearizable read, and each named closure costs an allocation (and, under tsx,
 * a name definition).
 */
class Deadline {
  private readonly cancelTimer: () => void;

  constructor(
    clock: Clock,
    ms: number,
    private readonly signal: CancelSignal | undefined,
    private readonly onGiveUp: (reason: GiveUpReason) => ConcordError,
    private readonly reject: (error: unknown) => void,
  ) {
    this.cancelTimer = clock.after(ms, () => {
      this.signal?.removeEventListener('abort', this);
      this.reject(this.onGiveUp('timeout'));
    });
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The abort listener (EventListenerObject). */
  handleEvent(): void {
    this.cancelTimer();
    this.reject(this.onGiveUp('canceled'));
  }

  settle(): void {
    this.cancelTimer();
    this.signal?.removeEventListener('abort', this);
  }
}
