/**
 * etcdserverpb.PutRequest decoded by hand into the object the proto loader makes of it
 * (../proto.ts: lease as decimal text, bytes as Buffer, every field present with its
 * default), for the request every write sends. protobufjs's decode then toObject was about
 * 1.6% of the leader's busy time under put-100x10.
 *
 * The policy is ./range-request-decoder.ts's: only the plain shape is decoded here, each
 * known field with its own wire type, each varint read as protobufjs reads it. Anything else
 * (an unknown field, a wrong wire type, a tag, length or bool varint past 5 bytes or 2^32, a
 * truncated message) goes to the generic decoder, so odd input is answered exactly as before
 * (test/server/put-request-decoder-fuzz.test.ts compares both).
 */
import type { PutRequestIn } from './kv.js';
import { emptyBytes, int64Text, Reader, unusual } from './proto-reader.js';

/** The PutRequest in `buffer`, or undefined when it is not of the plain shape. */
export function decodePutRequest(buffer: Buffer): PutRequestIn | undefined {
  const r = new Reader(buffer);
  let key = emptyBytes;
  let value = emptyBytes;
  let lease = '0';
  let prevKv = false;
  let ignoreValue = false;
  let ignoreLease = false;
  try {
    while (r.pos < buffer.length) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        if (wire !== 2) return undefined;
        if (field === 1) key = r.bytes();
        else value = r.bytes();
        continue;
      }
      if (wire !== 0 || field < 3 || field > 6) return undefined;
      switch (field) {
        case 3:
          lease = int64Text(r.varint64());
          break;
        case 4:
          prevKv = r.uint32() !== 0;
          break;
        case 5:
          ignoreValue = r.uint32() !== 0;
          break;
        default:
          ignoreLease = r.uint32() !== 0;
      }
    }
  } catch (error) {
    if (error === unusual) return undefined;
    throw error;
  }
  return { key, value, lease, prevKv, ignoreValue, ignoreLease };
}
