/**
 * The HPACK dynamic table (RFC 7541 Section 2.3.2 and 4): a FIFO of header fields, the newest
 * at HPACK index 62, bounded by a size in octets, each entry counting name + value octets + 32
 * (Section 4.1). Adding evicts from the oldest end until the new entry fits; an entry larger
 * than the whole table empties it and is not added (Section 4.4) — not an error.
 *
 * Kept as a ring buffer of two parallel string arrays: an add or an eviction is a couple of
 * array writes, a lookup is one masked array read, and nothing is allocated per field. Names
 * and values are latin1 strings, so a string's length is its octet count.
 *
 * Both ends use it: the decoder with the peer's encoder driving it, our encoder with its own
 * (the `onEvict` hook lets the encoder drop its reverse index of evicted entries).
 */
import { assert } from '../../base/assert.js';

/** RFC 7541 Section 4.1: the per-entry overhead, in octets. */
export const entryOverhead = 32;
/** SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 Section 6.5.2). */
export const defaultTableSize = 4096;

/** Called for each entry leaving the table, oldest first, with its insertion number. */
export type EvictionHook = (name: string, value: string, insertion: number) => void;

const initialCapacity = 16;

export class DynamicTable {
  /** The table's current maximum size in octets, as last set by a size update (Section 4.2). */
  private sizeMaxOctets: number;
  /** Sum of the entries' sizes. Invariant: size <= sizeMax. */
  private sizeOctets = 0;
  /** Entries held. Invariant: length <= capacity. */
  private count = 0;
  /** The slot the next entry goes into; the newest entry is at head - 1. */
  private head = 0;
  private names: string[];
  private values: string[];
  /** Invariant: a power of two, so `& mask` wraps a slot number. */
  private mask: number;
  /** Entries ever added; entry number n (0-based) is at dynamic index inserted - 1 - n. */
  private insertions = 0;

  constructor(
    sizeMax: number,
    private readonly onEvict?: EvictionHook,
  ) {
    assert(Number.isSafeInteger(sizeMax) && sizeMax >= 0, `bad table size ${sizeMax}`);
    this.sizeMaxOctets = sizeMax;
    this.names = new Array<string>(initialCapacity).fill('');
    this.values = new Array<string>(initialCapacity).fill('');
    this.mask = initialCapacity - 1;
  }

  get size(): number {
    return this.sizeOctets;
  }
  get sizeMax(): number {
    return this.sizeMaxOctets;
  }
  get length(): number {
    return this.count;
  }
  /** The total number of entries ever added (an encoder's absolute entry numbering). */
  get inserted(): number {
    return this.insertions;
  }

  /** Name of the entry at dynamic index `at` (0 = newest). The caller checks `at < length`. */
  name(at: number): string {
    return this.names[(this.head - 1 - at) & this.mask] as string;
  }
  /** Value of the entry at dynamic index `at` (0 = newest). The caller checks `at < length`. */
  value(at: number): string {
    return this.values[(this.head - 1 - at) & this.mask] as string;
  }

  /** Adds a field as the newest entry (Section 4.4), evicting as needed. */
  add(name: string, value: string): void {
    const entrySize = name.length + value.length + entryOverhead;
    if (entrySize > this.sizeMaxOctets) {
      this.evictTo(0);
      this.insertions += 1; // it counts as added, then evicted at once
      return;
    }
    this.evictTo(this.sizeMaxOctets - entrySize);
    if (this.count > this.mask) this.grow();
    const slot = this.head;
    this.names[slot] = name;
    this.values[slot] = value;
    this.head = (slot + 1) & this.mask;
    this.count += 1;
    this.sizeOctets += entrySize;
    this.insertions += 1;
  }

  /** Applies a new maximum size (Section 4.3), evicting down to it. */
  setSizeMax(sizeMax: number): void {
    assert(Number.isSafeInteger(sizeMax) && sizeMax >= 0, `bad table size ${sizeMax}`);
    this.sizeMaxOctets = sizeMax;
    this.evictTo(sizeMax);
  }

  /** [name, value] pairs, newest first: for tests and debugging, not the hot path. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (let at = 0; at < this.count; at++) out.push([this.name(at), this.value(at)]);
    return out;
  }

  private evictTo(sizeMax: number): void {
    while (this.sizeOctets > sizeMax) {
      // Invariant: a positive size means at least one entry.
      assert(this.count > 0, () => `table size ${this.sizeOctets} with no entries`);
      const slot = (this.head - this.count) & this.mask;
      const name = this.names[slot] as string;
      const value = this.values[slot] as string;
      this.sizeOctets -= name.length + value.length + entryOverhead;
      this.count -= 1;
      // Release the strings now rather than when the slot is next written.
      this.names[slot] = '';
      this.values[slot] = '';
      this.onEvict?.(name, value, this.insertions - 1 - this.count);
    }
  }

  /** Doubles the ring, oldest entry first at slot 0. Bounded: entries are >= 32 octets. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const names = new Array<string>(capacity).fill('');
    const values = new Array<string>(capacity).fill('');
    for (let at = 0; at < this.count; at++) {
      const slot = (this.head - this.count + at) & this.mask;
      names[at] = this.names[slot] as string;
      values[at] = this.values[slot] as string;
    }
    this.names = names;
    this.values = values;
    this.mask = capacity - 1;
    this.head = this.count;
  }
}
