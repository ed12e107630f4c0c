/**
 * A write buffer in front of the on-disk backend, as etcd's batchTx is in front of bbolt:
 * `write()` lands in memory, and the buffered changes are committed to the backend below in
 * one transaction at most every `flushIntervalMs` (or sooner once `flushWritesMax` changes
 * wait), instead of one backend commit per applied batch.
 *
 * Why: an LMDB commit costs tens of microseconds plus a few per key, and it sat on the path
 * of every write's response (the apply of a Ready precedes the answer). Here the answer goes
 * out first; the commit happens later, once for many applies, off that path.
 *
 * Reads see the buffer: `get` looks in it first, `scan` merges it with the backend's keys in
 * order. So nothing above can tell a buffered change from a committed one.
 *
 * Durability is unchanged in kind (see Backend's contract): `write` already returned before
 * its data was on disk; it now returns before its data is even in the backend's file. The
 * state machine writes its consistent index in the same `write` as the data it describes, so
 * each flush carries a consistent cut, and after a crash the member replays the WAL from the
 * backend's consistent index (Raft re-delivers every entry after the snapshot and the state
 * machine skips those at or below it). `sync()` flushes first, so the WAL is never purged
 * past what the backend holds on disk.
 *
 * Failure: a failed flush keeps the buffer (reads stay right) and fails every later `write`
 * and `sync` with its error: the state machine then stops, as it would have on a failed
 * commit.
 */
import { assert } from '../base/assert.js';
import {
  bucketNames,
  type Backend,
  type BackendWrite,
  type BucketName,
  type ScanRange,
} from '../mvcc/backend.js';

export interface WriteBufferOptions {
  /** Longest a change waits in memory before its commit (default 20 ms). */
  readonly flushIntervalMs?: number;
  /** Commit at once when this many changes wait (default 10,000, etcd's batch limit). */
  readonly flushWritesMax?: number;
}

/** A buffered change: the new value, or null for a delete. */
interface Change {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

type Undo = { bucket: BucketName; id: string; previous: Change | undefined };

const flushIntervalMsDefault = 20;
const flushWritesMaxDefault = 10_000;

export class WriteBufferedBackend implements Backend {
  // Per bucket, by the key's bytes as a latin1 string (a Map keyed by bytes needs a string).
  private readonly pending = new Map<BucketName, Map<string, Change>>(
    bucketNames.map((name) => [name, new Map()]),
  );
  private pendingWrites = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failure: unknown;
  // The undo log of the write() in progress, or undefined outside one.
  private undo: Undo[] | undefined;
  private readonly flushIntervalMs: number;
  private readonly flushWritesMax: number;

  constructor(
    private readonly below: Backend,
    options: WriteBufferOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? flushIntervalMsDefault;
    this.flushWritesMax = options.flushWritesMax ?? flushWritesMaxDefault;
  }

  get(bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
    const change = this.bucket(bucket).get(idOf(key));
    if (change !== undefined) return change.value ?? undefined;
    return this.below.get(bucket, key);
  }

  scan(
    bucket: BucketName,
    range: ScanRange,
    visit: (key: Uint8Array, value: Uint8Array) => boolean | void,
  ): void {
    const buffered = this.inRange(bucket, range);
    if (buffered.length === 0) {
      this.below.scan(bucket, range, visit);
      return;
    }
    const limit = range.limit !== undefined && range.limit > 0 ? range.limit : Infinity;
    let at = 0;
    let emitted = 0;
    let stopped = false;
    // Emits a buffered change (deletes hide the key); false once the scan must end.
    const emit = (key: Uint8Array, value: Uint8Array | null): boolean => {
      if (value === null) return true;
      emitted++;
      if (visit(key, value) === false || emitted >= limit) stopped = true;
      return !stopped;
    };
    // The backend's limit would count keys the buffer deletes: the merge counts instead.
    const { start, end } = range;
    this.below.scan(bucket, { ...(start ? { start } : {}), ...(end ? { end } : {}) }, (k, v) => {
      while (at < buffered.length && compare(buffered[at]!.key, k) < 0) {
        const change = buffered[at++]!;
        if (!emit(change.key, change.value)) return false;
      }
      if (at < buffered.length && compare(buffered[at]!.key, k) === 0) {
        const change = buffered[at++]!;
        return emit(change.key, change.value);
      }
      return emit(k, v);
    });
    while (!stopped && at < buffered.length) {
      const change = buffered[at++]!;
      emit(change.key, change.value);
    }
  }

  write<T>(fn: (tx: BackendWrite) => T): T {
    if (this.failure !== undefined) throw this.failure;
    assert(this.undo === undefined, 'WriteBufferedBackend: write() does not nest');
    const undo: Undo[] = [];
    this.undo = undo;
    let result: T;
    try {
      result = fn(this.tx);
    } catch (error) {
      // Atomic: put back what this write replaced, newest first.
      for (let i = undo.length - 1; i >= 0; i--) {
        const { bucket, id, previous } = undo[i]!;
        if (previous === undefined) this.bucket(bucket).delete(id);
        else this.bucket(bucket).set(id, previous);
      }
      this.pendingWrites -= undo.length;
      throw error;
    } finally {
      this.undo = undefined;
    }
    if (this.pendingWrites >= this.flushWritesMax) this.flush();
    else if (this.pendingWrites > 0) this.scheduleFlush();
    return result;
  }

  sizeBytes(): number {
    // The quota and status read it now and then (the quota every second at most): a commit
    // first makes it count what was written, as a caller of write() expects.
    if (this.undo === undefined) this.flush();
    return this.below.sizeBytes();
  }

  sizeInUseBytes(): number {
    if (this.undo === undefined) this.flush();
    return this.below.sizeInUseBytes();
  }

  async sync(): Promise<void> {
    this.flush();
    if (this.failure !== undefined) throw this.failure;
    await this.below.sync();
  }

  async close(): Promise<void> {
    this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.below.close();
  }

  /** Commits every buffered change to the backend below, in one transaction. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingWrites === 0 || this.failure !== undefined) return;
    assert(this.undo === undefined, 'WriteBufferedBackend: flush inside write()');
    try {
      this.below.write((tx) => {
        for (const [bucket, changes] of this.pending) {
          for (const { key, value } of changes.values()) {
            if (value === null) tx.delete(bucket, key);
            else tx.put(bucket, key, value);
          }
        }
      });
    } catch (error) {
      this.failure = error;
      return;
    }
    for (const changes of this.pending.values()) changes.clear();
    this.pendingWrites = 0;
  }

  /** Changes waiting for their commit (for tests and metrics). */
  get buffered(): number {
    return this.pendingWrites;
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.flushIntervalMs);
    // A buffer never keeps the process alive; close() flushes what is left.
    this.timer.unref?.();
  }

  private change(bucket: BucketName, key: Uint8Array, value: Uint8Array | null): void {
    const undo = this.undo;
    assert(undo !== undefined, 'WriteBufferedBackend: change outside write()');
    assert(key.length > 0, 'WriteBufferedBackend: empty key');
    const changes = this.bucket(bucket);
    const id = idOf(key);
    const previous = changes.get(id);
    undo.push({ bucket, id, previous });
    // Keys are copied (the caller may reuse its buffer); values are handed over. A key
    // changed again before the commit keeps its copy: the meta keys change on every applied
    // batch, two copies per write on every member otherwise.
    const owned = previous?.key ?? Uint8Array.prototype.slice.call(key);
    changes.set(id, { key: owned, value });
    this.pendingWrites++;
  }

  private readonly tx: BackendWrite = {
    get: (bucket, key) => this.get(bucket, key),
    scan: (bucket, range, visit) => this.scan(bucket, range, visit),
    put: (bucket, key, value) => this.change(bucket, key, value),
    delete: (bucket, key) => this.change(bucket, key, null),
  };

  /** Buffered changes of `bucket` inside `range` (start inclusive, end exclusive), sorted. */
  private inRange(bucket: BucketName, range: ScanRange): Change[] {
    const changes = this.bucket(bucket);
    if (changes.size === 0) return [];
    const { start, end } = range;
    const found: Change[] = [];
    for (const change of changes.values()) {
      if (start !== undefined && start.length > 0 && compare(change.key, start) < 0) continue;
      if (end !== undefined && compare(change.key, end) >= 0) continue;
      found.push(change);
    }
    return found.sort((a, b) => compare(a.key, b.key));
  }

  private bucket(name: BucketName): Map<string, Change> {
    const changes = this.pending.get(name);
    assert(changes !== undefined, () => `unknown bucket ${name}`);
    return changes;
  }
}

/** Keys up to this long become their string without a Buffer made for the conversion. */
const shortKeyBytes = 64;

function idOf(key: Uint8Array): string {
  // Every change of every applied write comes here (a put: its revision key and two meta
  // keys), and a Buffer object per key was most of the cost. The two give the same string:
  // one character per byte (latin1).
  if (key.length <= shortKeyBytes) {
    return String.fromCharCode.apply(null, key as unknown as number[]);
  }
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
