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
import { emptyBytes, int64Text, Reader, unusual } from './proto-reader.js';

const sortOrders = ['NONE', 'ASCEND', 'DESCEND'] as const;
const sortTargets = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'] as const;

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
