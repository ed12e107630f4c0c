/**
 * An ordered map from keys to values, in the order `compare` gives: the structure under the
 * key index (string keys, one char per byte: bytes.ts's bytesKey) and the memory backend's
 * buckets (byte keys). It is a list of sorted chunks (the shape of Python's
 * sortedcontainers): a binary search over the chunks' last keys, then one inside a chunk.
 * Inserts and deletes move at most `chunkEntriesMax` references, appends at the end (the key
 * bucket is written in revision order) are amortized O(1), and in-order scans walk arrays,
 * which is what JavaScript engines are fastest at. A B-tree buys nothing more at the sizes a
 * coordination service holds (millions of keys: a few thousand chunks).
 *
 * @example
 * const m = new SortedMap<Uint8Array, number>(compareBytes);
 * m.set(bytes('b'), 2); m.set(bytes('a'), 1);
 * m.scan(bytes('a'), undefined, (k, v) => console.log(k, v)); // a 1, b 2
 */
import { assert } from '../base/assert.js';

/** A chunk splits in two past this many entries. */
const chunkEntriesMax = 512;
/** A chunk this small merges into its neighbour when they fit in one. */
const chunkEntriesMin = chunkEntriesMax / 4;

interface Chunk<K, V> {
  keys: K[];
  values: V[];
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export type Compare<K> = (a: K, b: K) => number;

export class SortedMap<K, V> {
  // Invariant: no chunk is empty; keys ascend strictly within and across chunks.
  private chunks: Chunk<K, V>[] = [];
  private count = 0;
  // Bumped on every mutation, so a scan can assert nobody changed the map under it.
  private mutations = 0;

  constructor(private readonly compare: Compare<K>) {}

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c]!;
    const i = this.lowerBound(chunk.keys, key);
    return i < chunk.keys.length && this.compare(chunk.keys[i]!, key) === 0
      ? chunk.values[i]
      : undefined;
  }

  /** Inserts or replaces. The map keeps `key` (callers must not mutate one afterwards). */
  set(key: K, value: V): void {
    this.mutations++;
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], values: [value] });
      this.count = 1;
      return;
    }
    let c = this.chunkFor(key);
    if (c === this.chunks.length) c--; // beyond every key: append to the last chunk
    const chunk = this.chunks[c]!;
    const i = this.lowerBound(chunk.keys, key);
    if (i < chunk.keys.length && this.compare(chunk.keys[i]!, key) === 0) {
      chunk.values[i] = value;
      return;
    }
    if (i === chunk.keys.length) {
      chunk.keys.push(key);
      chunk.values.push(value);
    } else {
      chunk.keys.splice(i, 0, key);
      chunk.values.splice(i, 0, value);
    }
    this.count++;
    if (chunk.keys.length > chunkEntriesMax) this.split(c);
  }

  delete(key: K): boolean {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = this.lowerBound(chunk.keys, key);
    if (i === chunk.keys.length || this.compare(chunk.keys[i]!, key) !== 0) return false;
    this.mutations++;
    chunk.keys.splice(i, 1);
    chunk.values.splice(i, 1);
    this.count--;
    if (chunk.keys.length === 0) this.chunks.splice(c, 1);
    else if (chunk.keys.length < chunkEntriesMin) this.mergeWithNext(c);
    return true;
  }

  /**
   * Visits entries with start <= key < end in ascending order (`end` undefined: no upper
   * bound). Stops early when `visit` returns false. The map must not change during the scan.
   */
  scan(start: K, end: K | undefined, visit: (key: K, value: V) => boolean | void): void {
    const mutations = this.mutations;
    let c = this.chunkFor(start);
    if (c === this.chunks.length) return;
    let i = this.lowerBound(this.chunks[c]!.keys, start);
    for (; c < this.chunks.length; c++, i = 0) {
      const { keys, values } = this.chunks[c]!;
      for (; i < keys.length; i++) {
        const key = keys[i]!;
        if (end !== undefined && this.compare(key, end) >= 0) return;
        const more = visit(key, values[i] as V);
        assert(this.mutations === mutations, 'SortedMap changed during a scan');
        if (more === false) return;
      }
    }
  }

  /**
   * How many entries with start <= key < end (`end` undefined: no upper bound) satisfy
   * `predicate`. A tight loop over the chunk arrays, for counting without visiting: the end
   * is compared only in the last chunk it can fall in.
   */
  countWhere(start: K, end: K | undefined, predicate: (value: V) => boolean) {
    let c = this.chunkFor(start);
    if (c === this.chunks.length) return 0;
    let i = this.lowerBound(this.chunks[c]!.keys, start);
    const last =
      end === undefined
        ? this.chunks.length - 1
        : Math.min(this.chunkFor(end), this.chunks.length - 1);
    let n = 0;
    for (; c <= last; c++, i = 0) {
      const { keys, values } = this.chunks[c]!;
      const stop = c === last && end !== undefined ? this.lowerBound(keys, end) : keys.length;
      for (; i < stop; i++) if (predicate(values[i] as V)) n++;
    }
    return n;
  }

  /** Visits entries with key < end (undefined: all) in descending order, starting at the last. */
  scanReverse(end: K | undefined, visit: (key: K, value: V) => boolean | void) {
    const mutations = this.mutations;
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const { keys, values } = this.chunks[c]!;
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (end !== undefined && this.compare(key, end) >= 0) continue;
        const more = visit(key, values[i] as V);
        assert(this.mutations === mutations, 'SortedMap changed during a scan');
        if (more === false) return;
      }
    }
  }

  clear(): void {
    this.mutations++;
    this.chunks = [];
    this.count = 0;
  }

  /** The first chunk whose last key is >= key; chunks.length when key is beyond all. */
  private chunkFor(key: K): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const keys = this.chunks[mid]!.keys;
      if (this.compare(keys[keys.length - 1]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private split(c: number): void {
    const chunk = this.chunks[c]!;
    const half = chunk.keys.length >>> 1;
    const right: Chunk<K, V> = { keys: chunk.keys.splice(half), values: chunk.values.splice(half) };
    this.chunks.splice(c + 1, 0, right);
  }

  private mergeWithNext(c: number): void {
    const chunk = this.chunks[c]!;
    const next = this.chunks[c + 1];
    if (next === undefined || chunk.keys.length + next.keys.length > chunkEntriesMax) return;
    for (let i = 0; i < next.keys.length; i++) {
      chunk.keys.push(next.keys[i]!);
      chunk.values.push(next.values[i] as V);
    }
    this.chunks.splice(c + 1, 1);
  }

  /** The first index whose key is >= key. */
  private lowerBound(keys: readonly K[], key: K): number {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
