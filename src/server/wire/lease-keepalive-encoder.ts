/**
 * etcdserverpb.LeaseKeepAliveResponse encoded by hand: header 1, ID 2, TTL 3. A keep-alive
 * answer is the whole of clientv3's KeepAliveOnce stream, so protobufjs's per-message work
 * (fromObject, a Long parsed from each int64's decimal text, encode) is a real share of it;
 * here the header's bytes come from the watch encoder's cache (the same header answers every
 * renewal until the revision or term moves) and the two int64s are written directly, by the
 * hand encoders' shared writer (./proto-writer.ts: a lease ID's varint over two 32-bit
 * halves, with no bigint per byte).
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0) left out; a negative int64 takes ten bytes (two's complement). Decoded with the
 * proto loader they equal the generic path's (test/server/lease-keepalive-encoder.test.ts).
 */
import type { ResponseHeader } from '../../node/api.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import { bytesFieldSize, varintFieldSize, varintOf, Writer } from './proto-writer.js';
import { encodeHeader } from './watch-encoder.js';

/** A LeaseKeepAliveResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeLeaseKeepAlive(header: ResponseHeader, id: bigint, ttl: number): PreEncoded {
  const headerBytes = encodeHeader(header);
  const idValue = varintOf(id);
  const ttlValue = varintOf(ttl);
  const w = new Writer(
    bytesFieldSize(headerBytes.length) + varintFieldSize(idValue) + varintFieldSize(ttlValue),
  );
  w.bytesField(1, headerBytes);
  w.varintField(2, idValue);
  w.varintField(3, ttlValue);
  return preEncoded(w.done('lease keep-alive'));
}
