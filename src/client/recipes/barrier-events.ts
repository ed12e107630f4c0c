/**
 * Waiting for one change (shared by Barrier, DoubleBarrier, Queue, PriorityQueue and
 * Semaphore): the first event of a type on a key or prefix from a given revision on. The
 * start revision comes from the read the caller decided on, so nothing that happened after
 * that read can be missed (etcd's recipes' WaitEvents).
 */
import type { Bytes } from '../bytes.js';
import type { Client } from '../client.js';
import { abortError, ClosedError } from '../errors.js';
import type { WatchEvent } from '../watch.js';

export interface WaitEventOptions {
  /** The first revision to look at (one past the revision of the caller's read). */
  readonly startRevision: number;
  readonly type: 'put' | 'delete';
  /** Watch every key under `key` as a prefix. */
  readonly prefix?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Resolves with the first matching event. Rejects when the signal aborts, with a
 * CompactedError if `startRevision` is no longer in history (read again, then wait again),
 * and with ClosedError if the client closes.
 */
export async function waitEvent(
  client: Client,
  key: Bytes,
  options: WaitEventOptions,
): Promise<WatchEvent> {
  const { signal } = options;
  if (aborted(signal)) throw abortError(signal as AbortSignal);
  const watcher = client.watch(key, {
    prefix: options.prefix ?? false,
    startRevision: options.startRevision,
    filters: [options.type === 'put' ? 'noDelete' : 'noPut'],
    ...(signal === undefined ? {} : { signal }),
  });
  try {
    for await (const batch of watcher) {
      const event = batch.events.find((e) => e.type === options.type);
      if (event !== undefined) return event;
    }
    // The watcher ends only when aborted or when the client closes.
    throw aborted(signal) ? abortError(signal as AbortSignal) : new ClosedError();
  } finally {
    await watcher.close();
  }
}

/** Runs `wait`; a CompactedError means "read again", so it resolves false instead. */
export async function waitOrReread(wait: Promise<unknown>): Promise<boolean> {
  try {
    await wait;
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'CompactedError') return false;
    throw error;
  }
}

// A function, so the compiler does not carry the first check's narrowing past the awaits.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
