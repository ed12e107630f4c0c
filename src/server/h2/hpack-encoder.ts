/**
 * HPACK encoding of response header blocks (RFC 7541 Sections 4 and 6), for the server side.
 *
 * The strategy, chosen for gRPC responses, where every call on a connection sends the same
 * response headers and nearly the same trailers:
 * - an exact static-table match is an indexed field (1 octet; ":status: 200" is index 8);
 * - an exact match of an entry this encoder added earlier is an indexed field (1 octet);
 * - anything else is a literal with incremental indexing the first time (so the next call's
 *   "content-type: application/grpc" or "grpc-status: 0" costs 1 octet), its name by index
 *   when either table has it (static first);
 * - a field the caller marks `without` (a value that varies per call, such as grpc-message's
 *   text, which would only churn the table) is a literal without indexing, and one marked
 *   `never` a never-indexed literal (Section 6.2.3, for secrets an intermediary must not index).
 *
 * No Huffman coding: it saves ~20% of a literal's octets, but literals are rare here (each
 * distinct field is sent literally once per connection) and the peer is usually on loopback or a
 * LAN, where CPU per call is the cost that counts, not octets. Plain literals also let a string
 * be written straight into the output buffer without a second pass to measure it.
 *
 * Header names must be lowercase and values latin1 (not checked here: the caller's contract).
 * The block is not split into frames (the frame writer's job, by the peer's
 * SETTINGS_MAX_FRAME_SIZE), nor checked against the peer's SETTINGS_MAX_HEADER_LIST_SIZE.
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
/** The size updates a block may open with: two of at most 6 octets (Section 4.2). */
const sizeUpdatesMax = 2 * 6;

/** What the encoder knows of one header name. */
interface NameEntry {
  /** Its lowest static index, or 0 when the static table does not have it. */
  readonly staticNameIndex: number;
  /** The static index of each value the static table lists with it. */
  readonly staticValues: ReadonlyMap<string, number>;
  /** Value -> insertion number of its entry in our dynamic table (see DynamicTable). */
  readonly dynamicValues: Map<string, number>;
  /**
   * The insertion number of its newest entry in our table; meaningful while `dynamicValues`
   * is not empty (eviction is oldest first, so the newest entry of a name goes last).
   */
  newestInsertion: number;
}

const noValues: ReadonlyMap<string, number> = new Map();

export class HpackEncoder {
  private readonly table: DynamicTable;
  private readonly tableSizeCap: number;
  /**
   * Every static name, and every other name with an entry in our table: one lookup per field
   * finds both its static and its dynamic matches.
   */
  private readonly names = new Map<string, NameEntry>();
  /** Size updates owed at the next block start; -1 when none (Section 4.2). */
  private pendingSizeMin = -1;
  private pendingSizeFinal = -1;
  /** `encode`'s own output, reused across blocks and grown as needed. */
  private scratch: Buffer = Buffer.alloc(256);
  /** Where the block being built goes: `scratch`, or the caller's buffer in `encodeInto`. */
  private out: Uint8Array = this.scratch;
  /** The write offset in `out`. */
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
    for (const [name, match] of staticMatches) {
      this.names.set(name, {
        staticNameIndex: match.nameIndex,
        staticValues: match.valueIndexes,
        dynamicValues: new Map(),
        newestInsertion: 0,
      });
    }
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
   * the next call: copy it into the frame being built. (`encodeInto` saves the view and copy.)
   */
  encode(fields: readonly HeaderField[]): Uint8Array {
    this.out = this.scratch;
    this.length = 0;
    this.block(fields);
    return this.scratch.subarray(0, this.length);
  }

  /**
   * Encodes a header list as one block straight into `target` from `offset` (a frame being
   * built, say); returns the offset after it. `target` must have `encodedLengthMax(fields)`
   * octets from `offset`: checked first, so the table never changes for a block not written.
   */
  encodeInto(fields: readonly HeaderField[], target: Uint8Array, offset: number): number {
    const room = target.length - offset;
    // A caller bug, not input (and no closure for assert's message on this path).
    if (room < this.encodedLengthMax(fields)) {
      throw new AssertionError(`no room for a header block: ${room} octets`);
    }
    this.out = target;
    this.length = offset;
    this.block(fields);
    this.out = this.scratch;
    return this.length;
  }

  /** The most octets a block of `fields` can take (its strings are latin1: 1 octet a char). */
  encodedLengthMax(fields: readonly HeaderField[]): number {
    let octets = sizeUpdatesMax;
    for (const field of fields) octets += fieldOverheadMax + field.name.length + field.value.length;
    return octets;
  }

  private block(fields: readonly HeaderField[]): void {
    // Checked before the first change to the table: a block refused halfway would leave our
    // table (entries added, a size update applied) ahead of the peer's, which never sees it.
    for (let at = 0; at < fields.length; at++) {
      const field = fields[at] as HeaderField;
      requireLatin1(field.name);
      requireLatin1(field.value);
    }
    this.sizeUpdates();
    for (let at = 0; at < fields.length; at++) {
      const field = fields[at] as HeaderField;
      this.header(field.name, field.value, field.indexing ?? 'incremental');
    }
  }

  /** The size updates owed since the last block, at the start of this one (Section 4.2). */
  private sizeUpdates(): void {
    if (this.pendingSizeFinal < 0) return;
    if (this.pendingSizeMin < this.pendingSizeFinal) this.sizeUpdate(this.pendingSizeMin);
    this.sizeUpdate(this.pendingSizeFinal);
    this.pendingSizeMin = -1;
    this.pendingSizeFinal = -1;
  }

  /** Appends one field to the block. */
  private header(name: string, value: string, indexing: Indexing): void {
    this.reserve(fieldOverheadMax + name.length + value.length);
    let known = this.names.get(name);
    if (known !== undefined && indexing !== 'never') {
      const staticIndex = known.staticValues.get(value);
      if (staticIndex !== undefined) {
        this.length = writeInteger(this.out, this.length, staticIndex, 7, 0x80);
        return;
      }
      const insertion = known.dynamicValues.get(value);
      if (insertion !== undefined) {
        const index = staticTableLength + this.table.inserted - insertion;
        this.length = writeInteger(this.out, this.length, index, 7, 0x80);
        return;
      }
    }
    let nameIndex = 0;
    if (known !== undefined) {
      nameIndex = known.staticNameIndex;
      // A name only in our table (another value of it indexed earlier) is referred to there.
      if (nameIndex === 0 && known.dynamicValues.size > 0) {
        nameIndex = staticTableLength + this.table.inserted - known.newestInsertion;
      }
    }
    const entrySize = name.length + value.length + entryOverhead;
    if (indexing === 'incremental' && entrySize <= this.table.sizeMax) {
      this.length = writeInteger(this.out, this.length, nameIndex, 6, 0x40);
      this.table.add(name, value);
      // The add may have evicted this name's last entry, and with it the name: look again.
      known = this.names.get(name);
      if (known === undefined) {
        known = {
          staticNameIndex: 0,
          staticValues: noValues,
          dynamicValues: new Map(),
          newestInsertion: 0,
        };
        this.names.set(name, known);
      }
      known.newestInsertion = this.table.inserted - 1;
      known.dynamicValues.set(value, known.newestInsertion);
    } else {
      // Too large for the table: indexing it would only empty the table (Section 4.4).
      const flags = indexing === 'never' ? 0x10 : 0x00;
      this.length = writeInteger(this.out, this.length, nameIndex, 4, flags);
    }
    if (nameIndex === 0) this.string(name);
    this.string(value);
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
    // Latin1 was checked by `block` before any table change.
    for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
    this.length = at;
  }

  private reserve(octets: number): void {
    if (this.length + octets <= this.out.length) return;
    // Invariant: encodeInto checked the caller's room up front; only our own buffer grows.
    assert(this.out === this.scratch, 'header block overran the caller buffer');
    const grown = Buffer.alloc(Math.max(2 * this.scratch.length, this.length + octets));
    this.scratch.copy(grown, 0, 0, this.length);
    this.scratch = grown;
    this.out = grown;
  }

  private forget(name: string, value: string, insertion: number): void {
    const known = this.names.get(name);
    // A later duplicate of the same field may have replaced this insertion number.
    if (known === undefined || known.dynamicValues.get(value) !== insertion) return;
    known.dynamicValues.delete(value);
    // Bounded: a name not in the static table stays only while it has entries in ours.
    if (known.dynamicValues.size === 0 && known.staticNameIndex === 0) this.names.delete(name);
  }
}

/** A caller bug, not input: header names and values are latin1 by contract. */
function requireLatin1(text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new AssertionError(`header text is not latin1: ${text}`);
  }
}
