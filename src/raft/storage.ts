import { ConcordError } from '../base/errors.js';
import { assert } from '../base/assert.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';
import { emptyHardState } from './types.js';
import { entriesBytes, limitBytes } from './entries.js';

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
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = emptyHardState;
  private snap: Snapshot;
  // Invariant: ents[0] is a dummy entry at the snapshot's index and term; ents[i].index ===
  // ents[0].index + i.
  private ents: Entry[];

  constructor(confState: ConfState = emptyConfState) {
    this.snap = { metadata: { index: 0, term: 0, confState }, data: new Uint8Array() };
    this.ents = [dummy(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new ConcordError('Compacted', `requested index ${lo} is compacted`);
    if (hi > this.lastIndex() + 1) {
      throw new ConcordError('Unavailable', `entries [${lo}, ${hi}) beyond ${this.lastIndex()}`);
    }
    return limitBytes(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset)
      throw new ConcordError('Compacted', `requested index ${index} is compacted`);
    if (index - offset >= this.ents.length) {
      throw new ConcordError('Unavailable', `index ${index} beyond ${this.lastIndex()}`);
    }
    return this.ents[index - offset]!.term;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces everything with the snapshot (a follower installing the leader's snapshot). */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snap.metadata.index) return; // older than what we have
    this.snap = snapshot;
    this.ents = [dummy(index, term)];
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
    const offset = this.offset();
    if (compactIndex <= offset) throw new ConcordError('Compacted', `${compactIndex} is compacted`);
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} > last ${this.lastIndex()}`);
    const i = compactIndex - offset;
    this.ents = [dummy(compactIndex, this.ents[i]!.term), ...this.ents.slice(i + 1)];
  }

  /**
   * Appends entries that a Ready asked to persist. Entries that conflict with stored ones
   * replace them and everything after; entries behind the first index are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    const tail = first > entries[0]!.index ? entries.slice(first - entries[0]!.index) : entries;
    const offset = tail[0]!.index - this.offset();
    assert(
      offset <= this.ents.length,
      () => `missing log entry: last ${this.lastIndex()}, appending at ${tail[0]!.index}`,
    );
    if (offset < this.ents.length) this.ents.length = offset; // a newer leader's entries win
    for (const entry of tail) this.ents.push(entry);
  }

  /** Bytes held in entries (for tests and metrics). */
  bytes(): number {
    return entriesBytes(this.ents);
  }

  private offset(): number {
    return this.ents[0]!.index;
  }
}

function dummy(index: number, term: number): Entry {
  return { index, term, type: 'Normal', data: new Uint8Array() };
}
