import type { ConcordError } from '../base/errors.js';
import type { Clock } from '../env/clock.js';

export type GiveUpReason = 'timeout' | 'canceled';

/**
 * Waits for `promise`, but at most `ms`, and no longer than the client wants (`signal`).
 * `onGiveUp` cleans up (e.g. withdraws the request's waiter) and says what to answer.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  clock: Clock,
  ms: number,
  signal: AbortSignal | undefined,
  onGiveUp: (reason: GiveUpReason) => ConcordError,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      cancelTimer();
      reject(onGiveUp('canceled'));
    };
    const cancelTimer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      reject(onGiveUp('timeout'));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
    };
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
