/**
 * HPACK decoding (RFC 7541 Sections 3 and 6): one complete header block (a HEADERS frame's
 * fragment and its CONTINUATIONs, joined by the frame layer) in, header fields out, in order,
 * to a visitor.
 *
 * Why a visitor and not an array: a gRPC unary request is ~8 fields, nearly all indexed after a
 * connection's first call, so a decode is mostly table lookups; handing each (name, value) to
 * a visitor the connection keeps for its whole life allocates nothing per block, where an array
 * of field objects would allocate 9 objects per request. `decodeList` is the array form, for
 * tests and callers off the hot path.
 *
 * What this does not check, by design: pseudo-header order and names, uppercase names,
 * connection-specific fields, duplicate or missing pseudo-headers (RFC 9113 Section 8.2-8.3).
 * Those make a *request* malformed (a stream error), not the block, and belong to the stream
 * layer that reads the fields; HPACK only decodes.
 *
 * Every malformed block throws HpackError (COMPRESSION_ERROR, a connection error); after one,
 * the decoder refuses every later block too, since its table may no longer match the peer's.
 * Work is bounded by the block: every step consumes at least one octet, every string is
 * bounded by what is left of the block, every integer by `integerMax` and 6 octets.
 */
import { assert } from '../../base/assert.js';
import { HeaderListSizeError, HpackError } from './hpack-error.js';
import { huffmanDecodeInto, huffmanDecodedLengthMax } from './hpack-huffman.js';
import { integerMax, readInteger, type Cursor } from './hpack-integer.js';
import { staticNames, staticTableLength, staticValues } from './hpack-static-table.js';
import { DynamicTable, defaultTableSize, entryOverhead } from './hpack-table.js';

/** Receives a block's fields in order. Names and values are latin1 strings (one char per octet). */
export interface HeaderVisitor {
  /**
   * One field. `neverIndexed` is set for a "literal never indexed" (Section 6.2.3): an
   * intermediary re-encoding it must keep it a never-indexed literal (Section 7.1.3).
   * Must not throw: a throw leaves the block half-decoded and the dynamic table out of step
   * with the peer's, and the connection must then be closed. Record a bad field, act after.
   */
  header(name: string, value: string, neverIndexed: boolean): void;
}

/** A decoded field, for `decodeList`. */
export interface DecodedField {
  readonly name: string;
  readonly value: string;
  readonly neverIndexed: boolean;
}

export interface HpackDecoderOptions {
  /**
   * The largest header list accepted, as SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113
   * Section 6.5.2: name + value octets + 32 per field). Default `defaultHeaderListSizeMax`.
   */
  readonly headerListSizeMax?: number;
  /**
   * The dynamic table's maximum size both ends start from. Default 4096, the protocol's
   * initial SETTINGS_HEADER_TABLE_SIZE; a later SETTINGS goes through `setTableSizeLimit`.
   * (RFC 7541's C.5/C.6 examples assume 256 from the start.)
   */
  readonly initialTableSize?: number;
}

/** 16 KiB: well above gRPC's own 8 KiB default metadata limit, small enough to bound a peer. */
export const defaultHeaderListSizeMax = 16 * 1024;

/**
 * Buffer's `latin1Slice`: what `toString('latin1', start, end)` calls after checking its
 * arguments, ~40% faster on a header-sized string (43 ns against 74 here). Undocumented, but
 * on Buffer.prototype in every Node release; our bounds are checked before every call.
 */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

const emptyBlock = Buffer.alloc(0) as Latin1Buffer;
/** The largest Huffman output buffer a decoder keeps between strings. */
const scratchRetainedMax = 16 * 1024;

export class HpackDecoder implements Cursor {
  /** The read position in the current block (the `Cursor` that `readInteger` moves). */
  at = 0;
  private readonly table: DynamicTable;
  private readonly headerListSizeMax: number;
  /** Our SETTINGS_HEADER_TABLE_SIZE: a size update above it is an error (Section 6.3). */
  private tableSizeLimit: number;
  /** Set when our limit fell below the table's size: the next block must open with an update. */
  private sizeUpdateRequired = false;
  /** The block being decoded; `text` is the same octets as a Buffer, for latin1 slicing. */
  private block: Uint8Array = emptyBlock;
  private text: Latin1Buffer = emptyBlock;
  /** Where the representation being decoded starts, for error messages. */
  private fieldStart = 0;
  /** Huffman output, reused; grown to the longest string seen, up to `scratchRetainedMax`. */
  private scratch = Buffer.allocUnsafe(256) as Latin1Buffer;
  /** The first error, rethrown for every later block: the tables may have diverged. */
  private failure: HpackError | undefined;

  constructor(options: HpackDecoderOptions = {}) {
    this.headerListSizeMax = options.headerListSizeMax ?? defaultHeaderListSizeMax;
    this.tableSizeLimit = options.initialTableSize ?? defaultTableSize;
    assertSize(this.headerListSizeMax, 'headerListSizeMax');
    assertSize(this.tableSizeLimit, 'initialTableSize');
    this.table = new DynamicTable(this.tableSizeLimit);
  }

  /** The dynamic table, read-only in spirit: for tests and metrics. */
  get dynamicTable(): Pick<DynamicTable, 'size' | 'sizeMax' | 'length' | 'entries'> {
    return this.table;
  }

  /**
   * Our SETTINGS_HEADER_TABLE_SIZE changed and the peer acknowledged it (RFC 9113 Section
   * 6.5.3: only then does it bind the peer's encoder). A limit below the table's current
   * maximum obliges the peer to open its next block with a size update (RFC 7541 Section 4.2).
   */
  setTableSizeLimit(limit: number): void {
    assertSize(limit, 'table size limit');
    this.tableSizeLimit = limit;
    if (limit < this.table.sizeMax) this.sizeUpdateRequired = true;
  }

  /**
   * Decodes one complete header block, calling `visitor.header` per field in order. Throws
   * HpackError on a malformed block, HeaderListSizeError (after decoding the whole block, the
   * visitor having seen only the fields within the limit) when the list is too large.
   */
  decode(block: Uint8Array, visitor: HeaderVisitor): void {
    if (this.failure !== undefined) throw this.failure;
    this.block = block;
    this.text = (
      block instanceof Buffer ? block : Buffer.from(block.buffer, block.byteOffset, block.length)
    ) as Latin1Buffer;
    this.at = 0;
    let listSize = 0;
    let fieldSeen = false;
    while (this.at < block.length) {
      this.fieldStart = this.at;
      const first = block[this.at] as number;
      if ((first & 0xe0) === 0x20) {
        this.sizeUpdate(fieldSeen);
        continue;
      }
      if (!fieldSeen) {
        fieldSeen = true;
        if (this.sizeUpdateRequired) {
          throw this.failed('the block does not open with the required table size update');
        }
      }
      let name: string;
      let value: string;
      let neverIndexed = false;
      if (first & 0x80) {
        // Indexed header field (6.1).
        const index = readInteger(block, this, 7);
        if (index <= 0) throw this.failed(index === 0 ? 'index 0' : 'bad index integer');
        if (index <= staticTableLength) {
          name = staticNames[index] as string;
          value = staticValues[index] as string;
        } else {
          const at = this.dynamicIndex(index);
          name = this.table.name(at);
          value = this.table.value(at);
        }
      } else {
        // Literal (6.2.1 with incremental indexing, 6.2.2 without, 6.2.3 never indexed).
        const incremental = (first & 0xc0) === 0x40;
        neverIndexed = (first & 0xf0) === 0x10;
        const nameIndex = readInteger(block, this, incremental ? 6 : 4);
        if (nameIndex < 0) throw this.failed('bad name index integer');
        name = nameIndex === 0 ? this.string('name') : this.indexedName(nameIndex);
        value = this.string('value');
        if (incremental) this.table.add(name, value);
      }
      listSize += name.length + value.length + entryOverhead;
      // Past the limit, keep decoding (the table must follow the peer's) but stop emitting.
      if (listSize <= this.headerListSizeMax) visitor.header(name, value, neverIndexed);
    }
    // Not kept past the call: the block is usually a view of a socket chunk.
    this.block = emptyBlock;
    this.text = emptyBlock;
    if (this.sizeUpdateRequired) {
      throw this.failed('the block does not open with the required table size update');
    }
    if (listSize > this.headerListSizeMax) {
      throw new HeaderListSizeError(listSize, this.headerListSizeMax);
    }
  }

  /** `decode` into an array: for tests and callers off the hot path. */
  decodeList(block: Uint8Array): DecodedField[] {
    const fields: DecodedField[] = [];
    this.decode(block, {
      header: (name, value, neverIndexed) => fields.push({ name, value, neverIndexed }),
    });
    return fields;
  }

  /** Dynamic table size update (6.3): only before the block's first field, within our limit. */
  private sizeUpdate(fieldSeen: boolean): void {
    if (fieldSeen) throw this.failed('table size update after a header field');
    const size = readInteger(this.block, this, 5);
    if (size < 0) throw this.failed('bad table size update integer');
    if (size > this.tableSizeLimit) {
      throw this.failed(`table size update to ${size} above the limit ${this.tableSizeLimit}`);
    }
    this.table.setSizeMax(size);
    // The update the peer owed once our limit fell: any update within the limit discharges it.
    this.sizeUpdateRequired = false;
  }

  private indexedName(index: number): string {
    if (index <= staticTableLength) return staticNames[index] as string;
    return this.table.name(this.dynamicIndex(index));
  }

  /** HPACK index (62..) to the table's 0-based position, or an error past its end (2.3.3). */
  private dynamicIndex(index: number): number {
    const at = index - staticTableLength - 1;
    if (at >= this.table.length) {
      throw this.failed(
        `index ${index} past the table (${staticTableLength} static + ${this.table.length} dynamic)`,
      );
    }
    return at;
  }

  /** A string literal (5.2), plain or Huffman-coded, as latin1. */
  private string(what: string): string {
    const block = this.block;
    if (this.at >= block.length) throw this.failed(`the block ends before the ${what}`);
    const huffman = ((block[this.at] as number) & 0x80) !== 0;
    const length = readInteger(block, this, 7);
    if (length < 0) throw this.failed(`bad ${what} length integer`);
    const start = this.at;
    const end = start + length;
    if (end > block.length) {
      throw this.failed(`${what} of ${length} octets runs past the block's end`);
    }
    this.at = end;
    if (length === 0) return '';
    if (!huffman) return this.text.latin1Slice(start, end);
    const needed = huffmanDecodedLengthMax(length);
    let output = this.scratch;
    if (output.length < needed) {
      // Kept for later strings only up to a bound, so one huge value does not pin its size
      // for the connection's life.
      output = Buffer.allocUnsafe(Math.max(needed, 2 * output.length)) as Latin1Buffer;
      if (output.length <= scratchRetainedMax) this.scratch = output;
    }
    const decoded = huffmanDecodeInto(block, start, end, output);
    if (decoded < 0) throw this.failed(`invalid Huffman code in the ${what} (EOS or bad padding)`);
    return output.latin1Slice(0, decoded);
  }

  private failed(message: string): HpackError {
    this.failure = new HpackError(`${message} (representation at octet ${this.fieldStart})`);
    return this.failure;
  }
}

/** Our own settings are configuration, not input: a bad one is a bug. */
function assertSize(value: number, what: string): void {
  assert(
    Number.isSafeInteger(value) && value >= 0 && value <= integerMax,
    () => `HPACK ${what} must be an integer in 0..${integerMax}, got ${value}`,
  );
}
