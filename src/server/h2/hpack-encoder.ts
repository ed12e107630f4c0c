/**
 * HPACK encoding of response header blocks (RFC 7541 Sections 4 and 6), for the server side.
 *
 * The strategy, chosen for gRPC responses, where every call on a connection sends the same
 * response headers and nearly the same trailers:
 * - an exact static-table match is an indexed field (1 octet; ":status: 200" is index 8);
 * - an exact match of an entry this encoder added earlier is an indexed field (1 octet);
 * - anything else is a literal with incremental indexing the first time (so the next call's
 *   "content-type: application/grpc" or "grpc-status: 0" costs 1 octet), its name by static
 *   index when the static table has it;
 * - a field the caller marks `without` (a value that varies per call, such as grpc-message's
 *   text, which would only churn the table) is a literal without indexing, and one marked
 *   `never` a never-indexed literal (Section 6.2.3, for secrets an intermediary must not index).
 *
 * No Huffman coding: it saves ~20% of a literal's octets, but literals are rare here (each
 * distinct field is sent literally once per connection) and the peer is usually on loopback or a
 * LAN, where CPU per call is the cost that counts, not octets. Plain literals also let a string
 * be written straight into the output buffer without a second pass to measure it.
 *
 * Table size: the peer's SETTINGS_HEADER_TABLE_SIZE bounds our table (RFC 9113 Section 6.5.2);
 * we use at most `tableSizeMax` of it. A change is signalled at the start of the next block
 * (Section 4.2), with the smallest size first when it shrank and grew again in between.
 */
import { AssertionError, assert } from '../../base/assert.js';
import { writeInteger } from './hpack-integer.js';
import { staticMatches, staticTableLength } from './hpack-static-table.js';
import { DynamicTable, defaultTableSize, entryOverhead } from './hpack-table.js';

/** How a field may be represented (RFC 7541 Section 6.2); default `incremental`. */
export type Indexing = 'incremental' | 'without' | 'never';

export interface HeaderField {
  /** A lowercase header name (RFC 9113 Section 8.2.1; not checked here). */
  readonly name: string;
  /** A latin1 string: every char code <= 0xff (gRPC values are ASCII; "-bin" values base64). */
  readonly value: string;
  readonly indexing?: Indexing;
}

export interface HpackEncoderOptions {
  /**
   * The most of the peer's allowed table this encoder uses, in octets. Default 4096 (the
   * protocol's initial SETTINGS_HEADER_TABLE_SIZE): a few KiB holds every response header and
   * trailer a gRPC server repeats.
   */
  readonly tableSizeMax?: number;
}

/** One field's worst-case octets beyond its strings: first octet + 3 integers of <= 6 octets. */
const fieldOverheadMax = 1 + 3 * 6;

export class HpackEncoder {
  private readonly table: DynamicTable;
  private readonly tableSizeCap: number;
  /** name -> value -> insertion number of the table entry holding it (see DynamicTable). */
  private readonly entries = new Map<string, Map<string, number>>();
  /** Size updates owed at the next block start; -1 when none (Section 4.2). */
  private pendingSizeMin = -1;
  private pendingSizeFinal = -1;
  /** The block being built; reused across blocks and grown as needed. */
  private out: Buffer = Buffer.alloc(256);
  private length = 0;

  constructor(options: HpackEncoderOptions = {}) {
    this.tableSizeCap = options.tableSizeMax ?? defaultTableSize;
    assert(this.tableSizeCap >= 0, `bad HPACK table size ${this.tableSizeCap}`);
    // Both ends start at the protocol's 4096 (RFC 9113 Section 6.5.2); a smaller cap of ours
    // must be announced like any other change, or the peer would evict differently.
    this.table = new DynamicTable(defaultTableSize, (name, value, insertion) =>
      this.forget(name, value, insertion),
    );
    this.resize(defaultTableSize);
  }

  /** The dynamic table, for tests and metrics. */
  get dynamicTable(): Pick<DynamicTable, 'size' | 'sizeMax' | 'length' | 'entries'> {
    return this.table;
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE, as received in its SETTINGS frame. */
  setPeerTableSize(size: number): void {
    this.resize(size);
  }

  /**
   * Encodes a header list as one block. Returns a view of the encoder's own buffer, valid until
   * the next call: copy it into the frame being built.
   */
  encode(fields: readonly HeaderField[]): Uint8Array {
    this.beginBlock();
    for (const field of fields) this.header(field.name, field.value, field.indexing);
    return this.endBlock();
  }

  /** Starts a block field by field (`header`, then `endBlock`), with no field objects. */
  beginBlock(): void {
    this.length = 0;
    if (this.pendingSizeFinal < 0) return;
    if (this.pendingSizeMin < this.pendingSizeFinal) this.sizeUpdate(this.pendingSizeMin);
    this.sizeUpdate(this.pendingSizeFinal);
    this.pendingSizeMin = -1;
    this.pendingSizeFinal = -1;
  }

  /** Appends one field to the block begun by `beginBlock`. */
  header(name: string, value: string, indexing: Indexing = 'incremental'): void {
    this.reserve(fieldOverheadMax + name.length + value.length);
    const staticMatch = staticMatches.get(name);
    if (indexing !== 'never') {
      const staticIndex = staticMatch?.valueIndexes.get(value);
      if (staticIndex !== undefined) {
        this.length = writeInteger(this.out, this.length, staticIndex, 7, 0x80);
        return;
      }
      const insertion = this.entries.get(name)?.get(value);
      if (insertion !== undefined) {
        const index = staticTableLength + this.table.inserted - insertion;
        this.length = writeInteger(this.out, this.length, index, 7, 0x80);
        return;
      }
    }
    const nameIndex = staticMatch?.nameIndex ?? 0;
    const entrySize = name.length + value.length + entryOverhead;
    if (indexing === 'incremental' && entrySize <= this.table.sizeMax) {
      this.length = writeInteger(this.out, this.length, nameIndex, 6, 0x40);
      this.table.add(name, value);
      let values = this.entries.get(name);
      if (values === undefined) this.entries.set(name, (values = new Map()));
      values.set(value, this.table.inserted - 1);
    } else {
      // Too large for the table: indexing it would only empty the table (Section 4.4).
      const flags = indexing === 'never' ? 0x10 : 0x00;
      this.length = writeInteger(this.out, this.length, nameIndex, 4, flags);
    }
    if (nameIndex === 0) this.string(name);
    this.string(value);
  }

  /** Ends the block; returns a view of the encoder's buffer, valid until the next block. */
  endBlock(): Uint8Array {
    return this.out.subarray(0, this.length);
  }

  private resize(peerSize: number): void {
    const size = Math.min(peerSize, this.tableSizeCap);
    if (this.pendingSizeFinal < 0 && size === this.table.sizeMax) return;
    this.pendingSizeMin = this.pendingSizeMin < 0 ? size : Math.min(this.pendingSizeMin, size);
    this.pendingSizeFinal = size;
  }

  /** Dynamic table size update (6.3), applied to our table as the peer will apply it. */
  private sizeUpdate(size: number): void {
    this.reserve(6);
    this.length = writeInteger(this.out, this.length, size, 5, 0x20);
    this.table.setSizeMax(size);
  }

  /** A plain string literal (5.2, H = 0): length, then one octet per latin1 char. */
  private string(text: string): void {
    const out = this.out;
    let at = writeInteger(out, this.length, text.length, 7, 0);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // A caller bug, not input: header values are latin1 by contract.
      if (code > 0xff) throw new AssertionError(`header text is not latin1: ${text}`);
      out[at++] = code;
    }
    this.length = at;
  }

  private reserve(octets: number): void {
    if (this.length + octets <= this.out.length) return;
    const grown = Buffer.alloc(Math.max(2 * this.out.length, this.length + octets));
    this.out.copy(grown, 0, 0, this.length);
    this.out = grown;
  }

  private forget(name: string, value: string, insertion: number): void {
    const values = this.entries.get(name);
    if (values === undefined || values.get(value) !== insertion) return;
    values.delete(value);
    if (values.size === 0) this.entries.delete(name);
  }
}
