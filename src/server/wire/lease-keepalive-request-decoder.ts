/**
 * etcdserverpb.LeaseKeepAliveRequest decoded by hand into the object the proto loader makes of
 * it ({ ID } as decimal text), for the message every keep-alive sends. protobufjs's decode
 * then toObject (a Long per ID, and its decimal text) was about 2% of the leader's busy time
 * under lease-keepalive-100x10, where each renewal is a stream of its own.
 *
 * The policy is ./put-request-decoder.ts's: only the plain shape is decoded here; anything
 * else (an unknown field, a wrong wire type, an over-long tag, a truncated message) goes to
 * the generic decoder, so odd input is answered exactly as before
 * (test/server/lease-keepalive-request-decoder-fuzz.test.ts compares both).
 */
import type { LeaseKeepAliveRequestIn } from './lease.js';
import { int64Text, Reader, unusual } from './proto-reader.js';

/** The LeaseKeepAliveRequest in `buffer`, or undefined when it is not of the plain shape. */
export function decodeLeaseKeepAliveRequest(buffer: Buffer): LeaseKeepAliveRequestIn | undefined {
  const r = new Reader(buffer);
  let id = '0';
  try {
    while (r.pos < buffer.length) {
      if (r.uint32() !== 1 << 3) return undefined; // field 1, varint
      id = int64Text(r.varint64());
    }
  } catch (error) {
    if (error === unusual) return undefined;
    throw error;
  }
  return { ID: id };
}
