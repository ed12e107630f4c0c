/**
 * The backend port: an ordered, byte-keyed store with named buckets, as etcd's bbolt backend.
 * The MVCC layer is written against this interface only; MemoryBackend (pure, for tests and
 * the simulator) and LmdbBackend (src/storage, on disk) implement it.
 *
 * Contracts every implementation keeps (test/mvcc/backend-conformance.ts checks them):
 * - Keys sort bytewise (unsigned, a prefix before its extensions).
 * - `write(fn)` runs `fn` as ONE atomic transaction: every put and delete in it becomes
 *   visible together when `write` returns, or none does if `fn` throws. Reads through `tx`
 *   inside `fn` see the transaction's own earlier writes. Transactions do not nest.
 * - Bytes returned by `get` and passed to `scan`'s visitor belong to the backend: callers
 *   must not mutate them. A value passed to `put` is handed over: the caller must not
 *   mutate it afterwards (MemoryBackend keeps it without copying). Keys are copied.
 * - Keys are non-empty (LMDB cannot store an empty key).
 * - Durability is deferred: `write` may return before its data is on disk. `sync()` resolves
 *   once every write that returned before the call is durable. That is safe because the
 *   Raft WAL is the durability source: the MVCC layer stores the applied (consistent) index
 *   in the same transaction as the data it describes, so after a crash the backend is at
 *   some earlier consistent index and the WAL is replayed from exactly there. The driver
 *   must call `sync()` before it discards WAL entries the backend may not have made durable
 *   (before a Raft snapshot lets it purge the WAL), as etcd commits bbolt before purging.
 */

/**
 * Buckets, as etcd's schema: keys by revision, meta (consistent index, compaction), leases,
 * alarms, auth, members; and Concord's own `session` (at-most-once client sessions).
 */
export type BucketName = 'key' | 'meta' | 'lease' | 'alarm' | 'auth' | 'members' | 'session';

export const bucketNames: readonly BucketName[] = [
  'key',
  'meta',
  'lease',
  'alarm',
  'auth',
  'members',
  'session',
];

export interface ScanRange {
  /** The first key visited (inclusive); absent: the bucket's first key. */
  readonly start?: Uint8Array;
  /** Stop before this key (exclusive); absent: the bucket's last key. */
  readonly end?: Uint8Array;
  /** At most this many entries; absent or 0: no limit. */
  readonly limit?: number;
}

export interface BackendRead {
  get(bucket: BucketName, key: Uint8Array): Uint8Array | undefined;
  /**
   * Visits the bucket's entries in `range` in ascending key order. Stops early when `visit`
   * returns false. `visit` must not write.
   */
  scan(
    bucket: BucketName,
    range: ScanRange,
    visit: (key: Uint8Array, value: Uint8Array) => boolean | void,
  ): void;
}

export interface BackendWrite extends BackendRead {
  put(bucket: BucketName, key: Uint8Array, value: Uint8Array): void;
  delete(bucket: BucketName, key: Uint8Array): void;
}

export interface Backend extends BackendRead {
  /** Runs `fn` as one atomic transaction (see the contracts above) and returns its result. */
  write<T>(fn: (tx: BackendWrite) => T): T;
  /** Bytes the store occupies (etcd's db size). */
  sizeBytes(): number;
  /**
   * Bytes its data needs: sizeBytes() less the space freed for reuse (etcd's db size in
   * use). The quota's measure: freed space is reused before the store grows.
   */
  sizeInUseBytes(): number;
  /** Resolves when every write that returned before this call is durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}
