/**
 * etcdserverpb.LeaseKeepAliveResponse encoded by hand: header 1, ID 2, TTL 3. A keep-alive
 * answer is the whole of clientv3's KeepAliveOnce stream, so protobufjs's per-message work
 * (fromObject, a Long parsed from each int64's decimal text, encode) is a real share of it;
 * here the header's bytes come from the watch encoder's cache (the same header answers every
 * renewal until the revision or term moves) and the two int64s are written directly.
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0) left out; a negative int64 takes ten bytes (two's complement). Decoded with the
 * proto loader they equal the generic path's (test/server/lease-keepalive-encoder.test.ts).
 */
import type { ResponseHeader } from '../../node/api.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import { encodeHeader } from './watch-encoder.js';

const headerTag = (1 << 3) | 2;
const idTag = (2 << 3) | 0;
const ttlTag = (3 << 3) | 0;

/** The varint of an int64: its 64-bit two's complement as unsigned. */
function uint64Of(value: bigint): bigint {
  return BigInt.asUintN(64, value);
}

function varintSize(value: bigint): number {
  let size = 1;
  for (let rest = value; rest >= 0x80n; rest >>= 7n) size++;
  return size;
}

/** Writes `value`'s varint at `pos`; returns the position after it. */
function writeVarint(buffer: Buffer, pos: number, value: bigint): number {
  if (value <= 0x7fff_ffffn) {
    // The common case (small IDs, every TTL) in plain numbers.
    let rest = Number(value);
    while (rest >= 0x80) {
      buffer[pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[pos++] = rest;
    return pos;
  }
  let rest = value;
  while (rest >= 0x80n) {
    buffer[pos++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buffer[pos++] = Number(rest);
  return pos;
}

/** A LeaseKeepAliveResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeLeaseKeepAlive(header: ResponseHeader, id: bigint, ttl: number): PreEncoded {
  const headerBytes = encodeHeader(header);
  const idValue = uint64Of(id);
  const ttlValue = uint64Of(BigInt(ttl));
  const size =
    1 +
    varintSize(BigInt(headerBytes.length)) +
    headerBytes.length +
    (idValue === 0n ? 0 : 1 + varintSize(idValue)) +
    (ttlValue === 0n ? 0 : 1 + varintSize(ttlValue));
  const buffer = Buffer.allocUnsafe(size);
  let pos = 0;
  buffer[pos++] = headerTag;
  pos = writeVarint(buffer, pos, BigInt(headerBytes.length));
  headerBytes.copy(buffer, pos);
  pos += headerBytes.length;
  if (idValue !== 0n) {
    buffer[pos++] = idTag;
    pos = writeVarint(buffer, pos, idValue);
  }
  if (ttlValue !== 0n) {
    buffer[pos++] = ttlTag;
    pos = writeVarint(buffer, pos, ttlValue);
  }
  if (pos !== size) throw new Error(`lease keep-alive encoder: wrote ${pos} of ${size} bytes`);
  return preEncoded(buffer);
}
