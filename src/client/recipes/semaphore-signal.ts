/**
 * A signal that aborts when the caller's does or when the session is lost: waiting for a
 * permit is pointless once the key that queues us has gone with the lease.
 */
import type { Session } from './session.js';

export function semaphoreSignal(
  session: Session,
  signal: AbortSignal | undefined,
): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) controller.abort(signal.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  void session.done.then((error) => controller.abort(error));
  return {
    signal: controller.signal,
    dispose: () => signal?.removeEventListener('abort', onAbort),
  };
}
