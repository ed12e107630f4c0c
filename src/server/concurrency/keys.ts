/**
 * The key layout of etcd's concurrency package (client/v3/concurrency), which the lock and
 * election services share with every etcd client's own recipes (`etcdctl lock`, `etcdctl
 * elect`): each waiter or candidate is the key `<name>/<lease ID in hex>` under its lease, and
 * the one with the lowest create revision holds the lock or leads. Sharing the layout is what
 * lets a gRPC Lock caller and an `etcdctl lock` exclude each other.
 */
import type { Compare, RangeRequest } from '../../mvcc/types.js';

const slash = 0x2f;

/** `name/`: the prefix a lock's waiters or an election's candidates live under. */
export function prefixOf(name: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(name.length + 1);
  prefix.set(name);
  prefix[name.length] = slash;
  return prefix;
}

/** `prefix<lease hex>`: Go's `%x` of the lease ID (lower case, no padding). */
export function leaseKey(prefix: Uint8Array, lease: bigint): Uint8Array {
  return concat(prefix, new TextEncoder().encode(lease.toString(16)));
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * The end of the range of keys starting with `prefix` (etcd's GetPrefixRangeEnd): the prefix
 * with its last byte below 0xff incremented; "\0" (to the end of the keyspace) if every byte
 * is 0xff.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let index = prefix.length - 1; index >= 0; index--) {
    const byte = prefix[index] as number;
    if (byte < 0xff) {
      const end = prefix.slice(0, index + 1);
      end[index] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** The key under `prefix` created first: the lock holder or the leader (WithFirstCreate). */
export function firstCreated(prefix: Uint8Array): RangeRequest {
  return {
    key: prefix,
    rangeEnd: prefixEnd(prefix),
    sortOrder: 'ASCEND',
    sortTarget: 'CREATE',
    limit: 1,
  };
}

/**
 * The key under `prefix` created last at or before `maxCreateRevision`: the nearest waiter
 * ahead of the caller (WithLastCreate + WithMaxCreateRev).
 */
export function lastCreatedBefore(prefix: Uint8Array, maxCreateRevision: number): RangeRequest {
  return {
    key: prefix,
    rangeEnd: prefixEnd(prefix),
    sortOrder: 'DESCEND',
    sortTarget: 'CREATE',
    limit: 1,
    maxCreateRevision,
  };
}

/** `key`'s create revision equals `revision` (0: the key does not exist). */
export function createRevisionIs(key: Uint8Array, revision: number): Compare {
  return { result: 'EQUAL', target: 'CREATE', key, createRevision: revision };
}
