/**
 * Waiting for the waiters ahead (etcd's waitDeletes): the lock or leadership passes to a
 * caller once every key under the prefix created before its own is gone. Each round waits for
 * the nearest such key only, so a release wakes just the next waiter (no thundering herd).
 */
import type { ConcordApi } from '../../node/api.js';
import { ApiWatch } from './api-watch.js';
import { lastCreatedBefore } from './keys.js';

/** Resolves once no key under `prefix` has a create revision <= `maxCreateRevision`. */
export async function waitDeletes(
  api: ConcordApi,
  prefix: Uint8Array,
  maxCreateRevision: number,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const { header, response } = await api.range(lastCreatedBefore(prefix, maxCreateRevision), {
      signal,
    });
    const ahead = response.kvs[0];
    if (ahead === undefined) return;
    await waitDelete(api, ahead.key, header.revision, signal);
  }
}

/**
 * Resolves once `key` is deleted at or after `revision`. If that revision was compacted it
 * resolves too (etcd fails instead): the caller reads again and finds whether the key is gone.
 */
async function waitDelete(
  api: ConcordApi,
  key: Uint8Array,
  revision: number,
  signal: AbortSignal,
): Promise<void> {
  const watch = new ApiWatch(api, { key, startRevision: revision, noPut: true }, signal);
  try {
    for (;;) {
      const batch = await watch.next();
      if (batch.kind === 'compacted') return;
      if (batch.events.some((event) => event.type === 'DELETE')) return;
    }
  } finally {
    watch.close();
  }
}
