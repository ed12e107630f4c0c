/**
 * The election service's election, as etcd's concurrency.Election does it on top of KV and
 * Watch. Candidates are keys `name/<lease hex>` under their leases, holding their proposed
 * values; the one created first leads. Campaign waits until every candidate created before
 * the caller's key is gone; leadership lasts while that key exists with the create revision
 * in the LeaderKey, which is what Proclaim and Resign compare on, so a leader whose key was
 * deleted (its lease ended) can neither proclaim nor delete a successor's key.
 */
import { ConcordError } from '../../base/errors.js';
import type { KeyValue } from '../../mvcc/types.js';
import type { ConcordApi, ResponseHeader } from '../../node/api.js';
import { createRevisionIs, firstCreated, leaseKey, prefixOf } from './keys.js';
import { sessionLease } from './session.js';
import { rangeOf } from './txn-reads.js';
import { waitDeletes } from './wait-deletes.js';

/** What a leader holds (v3electionpb.LeaderKey). */
export interface LeaderKey {
  readonly name: Uint8Array;
  readonly key: Uint8Array;
  /** The key's create revision. */
  readonly rev: number;
  readonly lease: bigint;
}

/**
 * Waits until the caller leads `name`, proclaiming `value`. The same lease campaigning again
 * keeps its place in line (and proclaims the new value). A caller that goes away while
 * waiting withdraws its candidacy.
 */
export async function campaign(
  api: ConcordApi,
  name: Uint8Array,
  requestedLease: bigint,
  value: Uint8Array,
  signal: AbortSignal,
): Promise<{ readonly header: ResponseHeader; readonly leader: LeaderKey }> {
  const lease = await sessionLease(api, requestedLease, signal);
  const prefix = prefixOf(name);
  const key = leaseKey(prefix, lease);
  const { header, response } = await api.txn(
    {
      compare: [createRevisionIs(key, 0)],
      success: [{ requestPut: { key, value, lease } }],
      failure: [{ requestRange: { key } }],
    },
    { signal },
  );
  const existing = response.succeeded ? undefined : rangeOf(response, 0)[0];
  const leader: LeaderKey = {
    name,
    key,
    rev: existing?.createRevision ?? header.revision,
    lease,
  };
  if (existing !== undefined && !sameBytes(existing.value, value)) {
    try {
      await proclaim(api, leader, value, signal);
    } catch (error) {
      await resign(api, leader).catch(() => undefined);
      throw error;
    }
  }
  try {
    await waitDeletes(api, prefix, leader.rev - 1, signal);
  } catch (error) {
    // As etcd: a caller that gave up withdraws; after any other failure the candidacy stays
    // (campaigning again with the same lease resumes it), bounded by the lease.
    if (signal.aborted) await resign(api, leader).catch(() => undefined);
    throw error;
  }
  return { header, leader };
}

/**
 * Replaces the leader's value if `leader` still leads (its key exists with its create
 * revision); otherwise 'ElectionNotLeader'. The key keeps its lease: etcd would attach a new
 * 60 s lease when the LeaderKey's lease is 0, Concord keeps the key's own.
 */
export async function proclaim(
  api: ConcordApi,
  leader: LeaderKey,
  value: Uint8Array,
  signal?: AbortSignal,
): Promise<ResponseHeader> {
  const put =
    leader.lease === 0n
      ? { key: leader.key, value, ignoreLease: true }
      : { key: leader.key, value, lease: leader.lease };
  const { header, response } = await api.txn(
    {
      compare: [createRevisionIs(leader.key, leader.rev)],
      success: [{ requestPut: put }],
      failure: [],
    },
    { signal },
  );
  if (!response.succeeded) throw new ConcordError('ElectionNotLeader');
  return header;
}

/** Deletes the leader's key if it still leads; a resignation of someone no longer leading is a no-op. */
export async function resign(
  api: ConcordApi,
  leader: LeaderKey,
  signal?: AbortSignal,
): Promise<ResponseHeader> {
  const { header } = await api.txn(
    {
      compare: [createRevisionIs(leader.key, leader.rev)],
      success: [{ requestDeleteRange: { key: leader.key } }],
      failure: [],
    },
    { signal },
  );
  return header;
}

/** The current leader's key and value; 'ElectionNoLeader' if nobody campaigns. */
export async function currentLeader(
  api: ConcordApi,
  name: Uint8Array,
  signal: AbortSignal,
): Promise<{ readonly header: ResponseHeader; readonly kv: KeyValue }> {
  const { header, response } = await api.range(firstCreated(prefixOf(name)), { signal });
  const kv = response.kvs[0];
  if (kv === undefined) throw new ConcordError('ElectionNoLeader');
  return { header, kv };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
