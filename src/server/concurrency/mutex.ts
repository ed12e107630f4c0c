/**
 * The lock service's mutex, as etcd's concurrency.Mutex does it on top of KV and Watch:
 *
 * 1. One Txn: if `name/<lease>` does not exist, create it under the lease; either way read
 *    it and the prefix's first-created key. The key's create revision is the caller's place
 *    in the queue; the same lease locking twice finds its key and keeps its place.
 * 2. If the first-created key is the caller's, it holds the lock. Otherwise it waits until
 *    every key created before its own is deleted (unlocked, or its lease ended).
 * 3. It checks its own key still exists: a lease that expired while waiting took it along,
 *    and then the caller holds nothing ("mutex: session is expired").
 *
 * A caller that goes away while waiting has its key deleted, so it never holds the lock
 * later. The key returned is the ownership key: the lock is held while it exists.
 */
import { ConcordError } from '../../base/errors.js';
import type { ConcordApi, ResponseHeader } from '../../node/api.js';
import { createRevisionIs, firstCreated, leaseKey, prefixOf } from './keys.js';
import { sessionLease } from './session.js';
import { rangeOf } from './txn-reads.js';
import { waitDeletes } from './wait-deletes.js';

export interface Held {
  readonly header: ResponseHeader;
  /** The ownership key, `name/<lease hex>`. */
  readonly key: Uint8Array;
}

/** Waits until the caller holds `name` under `lease` (0: a fresh 60 s lease, as etcd). */
export async function lock(
  api: ConcordApi,
  name: Uint8Array,
  requestedLease: bigint,
  signal: AbortSignal,
): Promise<Held> {
  const lease = await sessionLease(api, requestedLease, signal);
  const prefix = prefixOf(name);
  const key = leaseKey(prefix, lease);
  const { header, response } = await api.txn(
    {
      compare: [createRevisionIs(key, 0)],
      success: [
        { requestPut: { key, value: new Uint8Array(), lease } },
        { requestRange: firstCreated(prefix) },
      ],
      failure: [{ requestRange: { key } }, { requestRange: firstCreated(prefix) }],
    },
    { signal },
  );
  const revision = response.succeeded
    ? header.revision
    : (rangeOf(response, 0)[0]?.createRevision ?? 0);
  const owner = rangeOf(response, 1)[0];
  if (owner === undefined || owner.createRevision === revision) return { header, key };

  try {
    await waitDeletes(api, prefix, revision - 1, signal);
    const mine = await api.range({ key }, { signal });
    // The lease ended while waiting: its key went with it, and the caller holds nothing.
    if (mine.response.kvs.length === 0) throw new ConcordError('LockSessionExpired');
    return { header: mine.header, key };
  } catch (error) {
    // Gave up waiting (the client went away, or the member is stopping): leave the queue, so
    // the lock is never granted to a caller that is gone. Not bound to the aborted signal.
    if (!(error instanceof ConcordError && error.code === 'LockSessionExpired')) {
      await api.deleteRange({ key }).catch(() => undefined);
    }
    throw error;
  }
}

/** Releases a lock: deletes its ownership key (a missing key is not an error, as in etcd). */
export async function unlock(
  api: ConcordApi,
  key: Uint8Array,
  signal: AbortSignal,
): Promise<ResponseHeader> {
  if (key.length === 0) throw new ConcordError('EmptyKey');
  return (await api.deleteRange({ key }, { signal })).header;
}
