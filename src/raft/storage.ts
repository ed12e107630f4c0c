import { ConcordError } from '../base/errors.js';
import { assert } from '../base/assert.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';
import { emptyHardState } from './types.js';
import { entryBytes } from './entries.js';

/**
 * The log as the core reads it: what has already been persisted. The core never writes to it;
 * the application appends what a Ready asked it to persist, then calls `advance()`.
 *
 * Errors: `entries` and `term` throw ConcordError 'Compacted' for an index behind the
 * snapshot and 'Unavailable' for one past the last index; `snapshot` may throw
 * 'SnapshotTemporarilyUnavailable' while one is being made.
 */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one, at most `maxBytes` in all. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  term(index: number): number;
  /** The index of the first entry still available (the snapshot's index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export const emptyConfState: ConfState = { voters: [], learners: [] };

/**
 * An in-memory RaftStorage. Used directly by the simulator and tests, and by the durable
 * storage as its cache of the WAL (entries are loaded from the WAL at start).
 *
 * Entries are held in columns, not as objects. A log holds up to --snapshot-count entries
 * (100,000 by default) on every member, and as an Entry and a Uint8Array view each they were
 * about a third of what a write left on the heap for good: objects every scavenge copies
 * twice before it promotes them, so each pause grew with them. Terms and types are small
 * integers in packed arrays, and data bytes are copied into chunks of their own. entries()
 * builds Entry objects, which die young.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = emptyHardState;
  private snap: Snapshot;
  // Invariant: position 0 is a dummy entry at the snapshot's index and term; position i holds
  // the entry at index `first + i`. All columns have the same length.
  private first = 0;
  private terms: number[] = [0];
  private types: number[] = [normalType];
  private chunkIds: number[] = [0];
  private offsets: number[] = [0];
  private lengths: number[] = [0];
  private readonly data = new DataChunks();

  constructor(confState: ConfState = emptyConfState) {
    this.snap = { metadata: { index: 0, term: 0, confState }, data: new Uint8Array() };
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.first) throw new ConcordError('Compacted', `requested index ${lo} is compacted`);
    if (hi > this.lastIndex() + 1) {
      throw new ConcordError('Unavailable', `entries [${lo}, ${hi}) beyond ${this.lastIndex()}`);
    }
    // The longest prefix within maxBytes, but at least one entry (as limitBytes).
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo - this.first; i < hi - this.first; i++) {
      size += this.lengths[i]! + entryOverheadBytes;
      if (out.length > 0 && size > maxBytes) break;
      out.push(this.entryAt(i));
    }
    return out;
  }

  term(index: number): number {
    if (index < this.first) {
      throw new ConcordError('Compacted', `requested index ${index} is compacted`);
    }
    if (index - this.first >= this.terms.length) {
      throw new ConcordError('Unavailable', `index ${index} beyond ${this.lastIndex()}`);
    }
    return this.terms[index - this.first]!;
  }

  firstIndex(): number {
    return this.first + 1;
  }

  lastIndex(): number {
    return this.first + this.terms.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces everything with the snapshot (a follower installing the leader's snapshot). */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snap.metadata.index) return; // older than what we have
    this.snap = snapshot;
    this.reset(index, term);
  }

  /**
   * Records a snapshot of the application's state at `index` (which must be applied, so it
   * is in the log). Does not discard entries: call `compact` for that.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new ConcordError('SnapshotTemporarilyUnavailable', `snapshot at ${index} is stale`);
    }
    assert(index <= this.lastIndex(), `snapshot ${index} beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex`. */
  compact(compactIndex: number): void {
    if (compactIndex <= this.first) {
      throw new ConcordError('Compacted', `${compactIndex} is compacted`);
    }
    assert(
      compactIndex <= this.lastIndex(),
      () => `compact ${compactIndex} > last ${this.lastIndex()}`,
    );
    const i = compactIndex - this.first;
    // Position i becomes the dummy: its term stays, its data goes.
    this.first = compactIndex;
    this.terms = this.terms.slice(i);
    this.types = this.types.slice(i);
    this.chunkIds = this.chunkIds.slice(i);
    this.offsets = this.offsets.slice(i);
    this.lengths = this.lengths.slice(i);
    this.types[0] = normalType;
    this.lengths[0] = 0;
    this.data.dropBefore(this.lowestChunkInUse());
  }

  /**
   * Appends entries that a Ready asked to persist. Entries that conflict with stored ones
   * replace them and everything after; entries behind the first index are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const firstIndex = this.firstIndex();
    const at = entries[0]!.index;
    const last = at + entries.length - 1;
    if (last < firstIndex) return;
    const skip = Math.max(0, firstIndex - at);
    const position = at + skip - this.first;
    assert(
      position <= this.terms.length,
      () => `missing log entry: last ${this.lastIndex()}, appending at ${at + skip}`,
    );
    if (position < this.terms.length) this.truncate(position); // a newer leader's entries win
    for (let k = skip; k < entries.length; k++) {
      const entry = entries[k]!;
      const { chunkId, offset } = this.data.put(entry.data);
      this.terms.push(entry.term);
      this.types.push(entry.type === 'Normal' ? normalType : confChangeType);
      this.chunkIds.push(chunkId);
      this.offsets.push(offset);
      this.lengths.push(entry.data.length);
    }
  }

  /** Bytes held in entries (for tests and metrics). */
  bytes(): number {
    let total = 0;
    for (const length of this.lengths) total += length + entryOverheadBytes;
    return total;
  }

  private entryAt(i: number): Entry {
    const length = this.lengths[i]!;
    return {
      term: this.terms[i]!,
      index: this.first + i,
      type: this.types[i] === normalType ? 'Normal' : 'ConfChange',
      data: length === 0 ? emptyData : this.data.get(this.chunkIds[i]!, this.offsets[i]!, length),
    };
  }

  /**
   * Drops positions from `position` on. Their bytes stay where they are, unused until their
   * chunk is dropped: an Entry handed out earlier may still be queued for a peer, and its
   * view must never see another entry's bytes.
   */
  private truncate(position: number): void {
    for (const column of [this.terms, this.types, this.chunkIds, this.offsets, this.lengths]) {
      column.length = position;
    }
  }

  private reset(index: number, term: number): void {
    this.first = index;
    this.terms = [term];
    this.types = [normalType];
    this.chunkIds = [this.data.currentId()];
    this.offsets = [0];
    this.lengths = [0];
    this.data.dropBefore(this.data.currentId());
  }

  private lowestChunkInUse(): number {
    for (let i = 1; i < this.lengths.length; i++) {
      if (this.lengths[i]! > 0) return this.chunkIds[i]!;
    }
    return this.data.currentId();
  }
}

const normalType = 0;
const confChangeType = 1;
const emptyData = new Uint8Array(0);
/** As entryBytes: an entry counts for its data plus a fixed header estimate. */
const entryOverheadBytes = entryBytes({ term: 0, index: 0, type: 'Normal', data: emptyData });

const chunkBytes = 64 * 1024;
const firstChunkBytes = 1024;

/**
 * The log's data bytes, appended in order into chunks and dropped oldest first. Bytes once
 * written are never overwritten. An entry's bytes never span chunks; one larger than a chunk
 * gets a chunk of its size. Chunks start small (a simulated cluster holds few entries) and
 * double up to chunkBytes.
 */
class DataChunks {
  private chunks: Uint8Array[] = [new Uint8Array(0)];
  private firstId = 0;
  private used = 0;

  currentId(): number {
    return this.firstId + this.chunks.length - 1;
  }

  put(bytes: Uint8Array): { chunkId: number; offset: number } {
    if (bytes.length === 0) return { chunkId: this.currentId(), offset: this.used };
    let chunk = this.chunks[this.chunks.length - 1]!;
    if (this.used + bytes.length > chunk.length) {
      const size = Math.min(chunkBytes, Math.max(firstChunkBytes, chunk.length * 2));
      chunk = new Uint8Array(Math.max(size, bytes.length));
      this.chunks.push(chunk);
      this.used = 0;
    }
    chunk.set(bytes, this.used);
    this.used += bytes.length;
    return { chunkId: this.currentId(), offset: this.used - bytes.length };
  }

  get(chunkId: number, offset: number, length: number): Uint8Array {
    return this.chunks[chunkId - this.firstId]!.subarray(offset, offset + length);
  }

  dropBefore(chunkId: number): void {
    const n = Math.min(chunkId - this.firstId, this.chunks.length - 1);
    if (n <= 0) return;
    this.chunks = this.chunks.slice(n);
    this.firstId += n;
  }
}
