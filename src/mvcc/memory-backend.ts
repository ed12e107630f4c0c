/**
 * The backend in memory: one SortedMap per bucket. Pure, so the simulator and the tests run
 * the real MVCC code on it; it can also hand its whole state out as bytes and take it back
 * (a Raft snapshot). Durability is trivially "now" (there is no disk to lose).
 *
 * write(fn) applies changes in place and keeps an undo log, so reads inside the transaction
 * see its own writes, and a throwing `fn` leaves the buckets exactly as they were.
 */
import { assert } from '../base/assert.js';
import {
  bucketNames,
  type Backend,
  type BackendWrite,
  type BucketName,
  type ScanRange,
} from './backend.js';
import { compareBytes, copyBytes, emptyBytes } from './bytes.js';
import { SortedMap } from './sorted-map.js';

interface Undo {
  readonly bucket: BucketName;
  readonly key: Uint8Array;
  readonly previous: Uint8Array | undefined;
}

export class MemoryBackend implements Backend {
  private readonly buckets = new Map<BucketName, SortedMap<Uint8Array, Uint8Array>>();
  private bytes = 0;
  // Invariant: defined exactly while a write(fn) runs.
  private undo: Undo[] | undefined;
  private closed = false;

  constructor() {
    for (const name of bucketNames) this.buckets.set(name, new SortedMap(compareBytes));
  }

  get(bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
    return this.bucket(bucket).get(key);
  }

  scan(
    bucket: BucketName,
    range: ScanRange,
    visit: (key: Uint8Array, value: Uint8Array) => boolean | void,
  ): void {
    let left = range.limit !== undefined && range.limit > 0 ? range.limit : Infinity;
    this.bucket(bucket).scan(range.start ?? emptyBytes, range.end, (key, value) => {
      if (visit(key, value) === false) return false;
      return --left > 0;
    });
  }

  write<T>(fn: (tx: BackendWrite) => T): T {
    assert(this.undo === undefined, 'MemoryBackend: write() does not nest');
    assert(!this.closed, 'MemoryBackend: write after close');
    const undo: Undo[] = [];
    this.undo = undo;
    try {
      const result = fn(this.tx);
      this.undo = undefined;
      return result;
    } catch (error) {
      this.undo = undefined;
      for (let i = undo.length - 1; i >= 0; i--) {
        const { bucket, key, previous } = undo[i]!;
        this.setRaw(bucket, key, previous);
      }
      throw error;
    }
  }

  sizeBytes(): number {
    return this.bytes;
  }

  sizeInUseBytes(): number {
    return this.bytes;
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private readonly tx: BackendWrite = {
    get: (bucket, key) => this.get(bucket, key),
    scan: (bucket, range, visit) => this.scan(bucket, range, visit),
    put: (bucket, key, value) => this.record(bucket, key, value),
    delete: (bucket, key) => this.record(bucket, key, undefined),
  };

  private record(bucket: BucketName, key: Uint8Array, value: Uint8Array | undefined): void {
    assert(this.undo !== undefined, 'MemoryBackend: put/delete outside write()');
    const previous = this.bucket(bucket).get(key);
    if (previous === undefined && value === undefined) return;
    const owned = copyBytes(key);
    this.undo.push({ bucket, key: owned, previous });
    this.setRaw(bucket, owned, value);
  }

  private setRaw(bucket: BucketName, key: Uint8Array, value: Uint8Array | undefined): void {
    const map = this.bucket(bucket);
    const previous = map.get(key);
    if (previous !== undefined) this.bytes -= key.length + previous.length;
    if (value === undefined) map.delete(key);
    else {
      map.set(key, value);
      this.bytes += key.length + value.length;
    }
  }

  private bucket(name: BucketName): SortedMap<Uint8Array, Uint8Array> {
    const map = this.buckets.get(name);
    assert(map !== undefined, () => `unknown bucket ${name}`);
    return map;
  }
}
