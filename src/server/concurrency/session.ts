/**
 * The lease a lock or campaign hangs off. etcd's servers wrap the caller's lease in a
 * concurrency.Session; given lease 0, that session grants a fresh lease with the session
 * default TTL of 60 s and then orphans it (nobody keeps it alive), so such a lock or
 * leadership ends by itself after a minute. Concord does the same.
 */
import type { ConcordApi } from '../../node/api.js';

/** etcd's defaultSessionTTL, in seconds. */
export const sessionTtlSeconds = 60;

/** The caller's lease, or a new one with the session TTL when the caller gave none. */
export async function sessionLease(
  api: ConcordApi,
  lease: bigint,
  signal: AbortSignal,
): Promise<bigint> {
  if (lease !== 0n) return lease;
  const { response } = await api.leaseGrant(0n, sessionTtlSeconds, { signal });
  return response.id;
}
