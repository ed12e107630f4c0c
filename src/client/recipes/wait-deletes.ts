/**
 * The queue discipline behind Mutex, RWMutex and Election (etcd's concurrency.waitDeletes):
 * candidates are keys under a prefix, ordered by create revision. A candidate waits for
 * the deletion of every key created before it, one predecessor at a time (the newest older
 * one), so each deletion wakes exactly one waiter, not the whole herd.
 */
import { toBuffer } from '../bytes.js';
import type { Client } from '../client.js';
import { abortError, ClosedError, CompactedError, DeadlineError } from '../errors.js';
import type { GetOptions } from '../ops.js';

/**
 * Resolves once no key in `range` has a create revision <= `maxCreateRevision`; rejects
 * when `signal` aborts. `range` is a prefix (or [key, rangeEnd) when `rangeEnd` is given).
 */
export async function waitDeletes(
  client: Client,
  key: string,
  range: Pick<GetOptions, 'prefix' | 'rangeEnd'>,
  maxCreateRevision: number,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    const last = await client.range(key, {
      ...range,
      maxCreateRevision,
      sort: { target: 'create', order: 'descend' },
      limit: 1,
      signal,
    });
    const predecessor = last.kvs[0];
    if (predecessor === undefined) return;
    try {
      await waitDelete(client, predecessor.key, last.revision, signal);
    } catch (error) {
      // History was compacted under the watch: read the queue again instead.
      if (!(error instanceof CompactedError)) throw error;
    }
  }
}

/** Resolves when `key` is deleted after `revision` (or already was). */
async function waitDelete(
  client: Client,
  key: Buffer,
  revision: number,
  signal: AbortSignal,
): Promise<void> {
  const watcher = client.watch(toBuffer(key), {
    startRevision: revision + 1,
    filters: ['noPut'],
    signal,
  });
  try {
    for await (const batch of watcher) {
      if (batch.events.some((e) => e.type === 'delete')) return;
    }
    if (signal.aborted) throw abortError(signal);
    throw new ClosedError(); // the watcher ends otherwise only when the client closes
  } finally {
    await watcher.close();
  }
}

/**
 * A signal that aborts when the caller's signal does, its `timeoutMs` passes (the whole
 * wait, not one call), or the session is lost: a waiter whose session is gone would wait for
 * a lock or leadership it can no longer hold.
 */
export function untilLost(
  done: Promise<Error>,
  options: { signal?: AbortSignal; timeoutMs?: number },
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const signal = options.signal;
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) controller.abort(signal.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              new DeadlineError(`concord client: not acquired within ${options.timeoutMs} ms`),
            ),
          options.timeoutMs,
        );
  void done.then((error) => controller.abort(error));
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
