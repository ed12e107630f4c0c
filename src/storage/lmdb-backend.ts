/**
 * The MVCC backend on disk, over LMDB (lmdb-js): a copy-on-write B+tree with ACID
 * transactions, the role bbolt plays in etcd. One LMDB environment (one file, `path`, like
 * etcd's member/db) holds a sub-database per bucket; keys and values are raw bytes.
 *
 * Durability (see the contract on Backend): `write()` commits synchronously but does not
 * wait for the disk, so it costs microseconds instead of an fsync. The Raft WAL is what makes
 * an acknowledged write durable; the MVCC layer stores the consistent index in the same LMDB
 * transaction as the data it describes, so after a crash the backend is at some consistent
 * index and the node replays the WAL from there. `sync()` forces everything committed so far
 * to disk; the node calls it before it purges WAL entries (etcd likewise commits bbolt before
 * a snapshot lets it drop the log).
 *
 * Two modes, because they trade differently against a machine crash (power loss, kernel
 * panic; a process crash or kill -9 loses nothing in either: committed pages are in the OS
 * page cache):
 * - 'deferred' (default; LMDB MDB_NOSYNC): fastest. After a machine crash, LMDB keeps its
 *   integrity only if the file system preserves write order (LMDB's documentation of
 *   MDB_NOSYNC); otherwise the file may be damaged and the member must be restored from a
 *   snapshot or a peer, as with any lost disk.
 * - 'overlapping' (lmdb-js overlappingSync): each commit is flushed by a background thread
 *   after the write lock is released, with meta-page ordering that keeps the file intact
 *   after any crash; it is much slower per commit (measured in bench/mvcc.ts), so the node
 *   should apply a whole Ready's entries in one write.
 *
 * Snapshots: `snapshotBackend()` (src/mvcc/backend-snapshot.ts) gives the state as bytes
 * through the port; `copyTo(path)` makes a consistent copy of the file with LMDB's own copy
 * (mdb_env_copy2 under a read transaction), for streaming large states.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { assert } from '../base/assert.js';
import {
  bucketNames,
  type Backend,
  type BackendWrite,
  type BucketName,
  type ScanRange,
} from '../mvcc/backend.js';

export type LmdbDurability = 'deferred' | 'overlapping';

export interface LmdbBackendOptions {
  /** The database file (its lock file is `${path}-lock`). */
  readonly path: string;
  /** Default 'deferred'; see the file comment. */
  readonly durability?: LmdbDurability;
  /** Initial map size; LMDB grows it as needed. Default 1 GiB. */
  readonly mapSizeBytes?: number;
  /**
   * Told how long each write transaction took, in seconds, from start to commit (etcd's
   * backend commit duration; LMDB commits inside the transaction call, so the two are one).
   */
  readonly onCommit?: (seconds: number) => void;
}

// lmdb-js TransactionFlags: ABORTABLE (1) so a throwing fn rolls back, SYNCHRONOUS_COMMIT (2)
// so the commit happens before transactionSync returns, NO_SYNC_FLUSH (0x10000) so it does
// not wait for the disk flush (only meaningful with overlappingSync).
const abortable = 1;
const synchronousCommit = 2;
const noSyncFlush = 0x10000;
const mapSizeBytesDefault = 1024 * 1024 * 1024;

type Bucket = Database<Uint8Array, Uint8Array>;

/** What lmdb-js's getStats() reports (mdb_stat, plus mdb_env_info's for the environment). */
interface LmdbStats {
  pageSize?: number;
  lastPageNumber?: number;
  treeBranchPageCount?: number;
  treeLeafPageCount?: number;
  overflowPages?: number;
  /** The free list's own tree (its entries list the pages freed for reuse). */
  free?: LmdbStats;
}

const metaPages = 2;

function treePages(stats: LmdbStats | undefined): number {
  if (stats === undefined) return 0;
  return (
    (stats.treeBranchPageCount ?? 0) + (stats.treeLeafPageCount ?? 0) + (stats.overflowPages ?? 0)
  );
}

export class LmdbBackend implements Backend {
  private readonly root: RootDatabase<Uint8Array, Uint8Array>;
  private readonly buckets = new Map<BucketName, Bucket>();
  private readonly flags: number;
  private writing = false;
  private readonly onCommit: ((seconds: number) => void) | undefined;

  constructor(options: LmdbBackendOptions) {
    const durability = options.durability ?? 'deferred';
    this.root = open<Uint8Array, Uint8Array>({
      path: options.path,
      noSubdir: true,
      maxDbs: bucketNames.length + 2,
      mapSize: options.mapSizeBytes ?? mapSizeBytesDefault,
      noSync: durability === 'deferred',
      overlappingSync: durability === 'overlapping',
      keyEncoding: 'binary',
      encoding: 'binary',
    });
    this.flags = abortable | synchronousCommit | (durability === 'overlapping' ? noSyncFlush : 0);
    this.onCommit = options.onCommit;
    for (const name of bucketNames) {
      this.buckets.set(
        name,
        this.root.openDB<Uint8Array, Uint8Array>(name, {
          keyEncoding: 'binary',
          encoding: 'binary',
        }),
      );
    }
  }

  get(bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
    return this.bucket(bucket).get(key);
  }

  scan(
    bucket: BucketName,
    range: ScanRange,
    visit: (key: Uint8Array, value: Uint8Array) => boolean | void,
  ): void {
    const options: { start?: Uint8Array; end?: Uint8Array; limit?: number } = {};
    if (range.start !== undefined && range.start.length > 0) options.start = range.start;
    if (range.end !== undefined) options.end = range.end;
    if (range.limit !== undefined && range.limit > 0) options.limit = range.limit;
    for (const { key, value } of this.bucket(bucket).getRange(options)) {
      if (visit(key, value) === false) return;
    }
  }

  write<T>(fn: (tx: BackendWrite) => T): T {
    assert(!this.writing, 'LmdbBackend: write() does not nest');
    this.writing = true;
    const start = this.onCommit === undefined ? 0 : performance.now();
    try {
      return this.root.transactionSync(() => fn(this.tx), this.flags);
    } finally {
      this.writing = false;
      this.onCommit?.((performance.now() - start) / 1000);
    }
  }

  sizeBytes(): number {
    const stats = this.root.getStats() as LmdbStats;
    return ((stats.lastPageNumber ?? 0) + 1) * (stats.pageSize ?? 4096);
  }

  /**
   * The pages of every B+tree (each bucket's, the root's that names them, the free list's)
   * and the two meta pages: what a compacting copy would keep. LMDB never gives pages back to
   * the file system, it reuses them, so the file (sizeBytes) only shrinks when rewritten;
   * this is what a compaction, by deleting old revisions, brings down.
   */
  sizeInUseBytes(): number {
    const stats = this.root.getStats() as LmdbStats;
    let pages = metaPages + treePages(stats) + treePages(stats.free);
    for (const bucket of this.buckets.values()) pages += treePages(bucket.getStats() as LmdbStats);
    return pages * (stats.pageSize ?? 4096);
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      // env.sync forces MDB_NOSYNC data to disk (mdb_env_sync(env, 1)) on a worker thread.
      (this.root as unknown as { sync(cb: (error?: unknown) => void): void }).sync((error) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
      );
    });
  }

  /** A consistent copy of the database file at `path` (which must not exist). */
  async copyTo(path: string, compact = false): Promise<void> {
    await this.root.backup(path, compact);
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  private readonly tx: BackendWrite = {
    get: (bucket, key) => this.get(bucket, key),
    scan: (bucket, range, visit) => this.scan(bucket, range, visit),
    put: (bucket, key, value) => {
      assert(this.writing, 'LmdbBackend: put outside write()');
      void this.bucket(bucket).put(key, value);
    },
    delete: (bucket, key) => {
      assert(this.writing, 'LmdbBackend: delete outside write()');
      void this.bucket(bucket).remove(key);
    },
  };

  private bucket(name: BucketName): Bucket {
    const db = this.buckets.get(name);
    assert(db !== undefined, () => `unknown bucket ${name}`);
    return db;
  }
}
