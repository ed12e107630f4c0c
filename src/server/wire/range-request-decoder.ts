/**
 * etcdserverpb.RangeRequest decoded by hand into the object the proto loader makes of it
 * (../proto.ts: int64 as decimal text, enums by name, bytes as Buffer, every field present
 * with its default), for the one request every read sends. protobufjs's decode then toObject
 * (a Long per int64 and its decimal text, defaults filled by reflection) was about 7% of a
 * member's busy time under a read load.
 *
 * Only the plain shape is decoded here: each known field with its own wire type, each varint
 * read as protobufjs reads it. Anything else (an unknown field, an enum value without a name,
 * a tag, length, enum or bool varint past 5 bytes or 2^32, a truncated message) goes to the
 * generic decoder, so odd input is answered exactly as before
 * (test/server/range-request-decoder.test.ts compares both on the edges).
 */
import type { RangeRequestIn } from './kv.js';

const sortOrders = ['NONE', 'ASCEND', 'DESCEND'] as const;
const sortTargets = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'] as const;
const emptyBytes: Buffer = Buffer.alloc(0);

/** Thrown inside the decoder to hand the message to the generic decoder. */
const unusual = Symbol('unusual');

class Reader {
  pos = 0;

  constructor(readonly buffer: Buffer) {}

  /**
   * A tag, length, enum or bool, as protobufjs reads them (uint32): a varint of at most 5
   * bytes below 2^32. Longer or larger ones protobufjs reads its own way (the low 32 bits,
   * bytes 6-10 skipped unseen): those go to the generic decoder.
   */
  uint32(): number {
    const buffer = this.buffer;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= buffer.length) throw unusual;
      const byte = buffer[this.pos++]!;
      if (i === 4 && byte > 0x0f) throw unusual;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
    }
    throw unusual;
  }

  /** An int64's varint (at most 10 bytes): a number when a safe integer, else its 64 bits. */
  varint64(): number | bigint {
    const buffer = this.buffer;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= buffer.length) throw unusual;
      const byte = buffer[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
    }
    // Past 49 bits: finish in bigint; the 10th byte holds bit 63 alone.
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= buffer.length) throw unusual;
      const byte = buffer[this.pos++]!;
      if (i === 9 && byte > 0x01) throw unusual;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return big;
      shift += 7n;
    }
    throw unusual;
  }

  bytes(): Buffer {
    const length = this.uint32();
    if (this.pos + length > this.buffer.length) throw unusual;
    const start = this.pos;
    this.pos += length;
    return length === 0 ? emptyBytes : this.buffer.subarray(start, this.pos);
  }
}

/** An int64 field's varint as the proto loader writes it: signed decimal text. */
function int64Text(value: number | bigint): string {
  if (typeof value === 'number') return String(value);
  return BigInt.asIntN(64, value).toString();
}

function enumName<T>(names: readonly T[], value: number): T {
  const name = names[value];
  if (name === undefined) throw unusual;
  return name;
}

/** The RangeRequest in `buffer`, or undefined when it is not of the plain shape. */
export function decodeRangeRequest(buffer: Buffer): RangeRequestIn | undefined {
  const r = new Reader(buffer);
  let key = emptyBytes;
  let rangeEnd = emptyBytes;
  let limit = '0';
  let revision = '0';
  let sortOrder: RangeRequestIn['sortOrder'] = 'NONE';
  let sortTarget: RangeRequestIn['sortTarget'] = 'KEY';
  let serializable = false;
  let keysOnly = false;
  let countOnly = false;
  let minModRevision = '0';
  let maxModRevision = '0';
  let minCreateRevision = '0';
  let maxCreateRevision = '0';
  try {
    while (r.pos < buffer.length) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        if (wire !== 2) return undefined;
        if (field === 1) key = r.bytes();
        else rangeEnd = r.bytes();
        continue;
      }
      if (wire !== 0 || field < 3 || field > 13) return undefined;
      switch (field) {
        case 3:
          limit = int64Text(r.varint64());
          break;
        case 4:
          revision = int64Text(r.varint64());
          break;
        case 5:
          sortOrder = enumName(sortOrders, r.uint32());
          break;
        case 6:
          sortTarget = enumName(sortTargets, r.uint32());
          break;
        case 7:
          serializable = r.uint32() !== 0;
          break;
        case 8:
          keysOnly = r.uint32() !== 0;
          break;
        case 9:
          countOnly = r.uint32() !== 0;
          break;
        case 10:
          minModRevision = int64Text(r.varint64());
          break;
        case 11:
          maxModRevision = int64Text(r.varint64());
          break;
        case 12:
          minCreateRevision = int64Text(r.varint64());
          break;
        default:
          maxCreateRevision = int64Text(r.varint64());
      }
    }
  } catch (error) {
    if (error === unusual) return undefined;
    throw error;
  }
  return {
    key,
    rangeEnd,
    limit,
    revision,
    sortOrder,
    sortTarget,
    serializable,
    keysOnly,
    countOnly,
    minModRevision,
    maxModRevision,
    minCreateRevision,
    maxCreateRevision,
  };
}
