/**
 * etcdserverpb.RangeResponse encoded by hand: header 1, kvs 2 (mvccpb.KeyValue: key 1,
 * create_revision 2, mod_revision 3, version 4, value 5, lease 6), more 3, count 4.
 *
 * A Range answer is the whole of a read's work on the wire, and protobufjs's generic path
 * (fromObject over a plain object whose int64s are decimal strings, a Long parsed from each,
 * then encode) was its largest single share after gRPC itself. Here the store's numbers are
 * written directly, and the header's bytes come from the watch encoder's cache (the same
 * header answers every read until the revision or term moves).
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0, false, empty) left out, a negative int64 as ten bytes (two's complement).
 * Decoded with the proto loader they equal the generic path's (test/server/range-encoder.test.ts).
 */
import type { KeyValue, RangeResponse } from '../../mvcc/types.js';
import type { ResponseHeader } from '../../node/api.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import { encodeHeader } from './watch-encoder.js';

const wireVarint = 0;
const wireBytes = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/** An int64 as what its varint encodes: a non-negative safe integer as a number. */
type Varint = number | bigint;

function varintOf(value: number | bigint): Varint {
  if (typeof value === 'number') {
    return value >= 0 ? value : BigInt.asUintN(64, BigInt(value));
  }
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : BigInt.asUintN(64, value);
}

function varintSize(value: Varint): number {
  let size = 1;
  if (typeof value === 'number') {
    for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  } else {
    for (let rest = value; rest >= 0x80n; rest >>= 7n) size++;
  }
  return size;
}

function varintFieldSize(value: Varint): number {
  return value === 0 || value === 0n ? 0 : 1 + varintSize(value);
}

function bytesFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

class Writer {
  readonly buffer: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  varint(value: Varint): void {
    const buffer = this.buffer;
    if (typeof value === 'number') {
      let rest = value;
      while (rest >= 0x80) {
        buffer[this.pos++] = (rest % 0x80) | 0x80;
        rest = Math.floor(rest / 0x80);
      }
      buffer[this.pos++] = rest;
      return;
    }
    let rest = value;
    while (rest >= 0x80n) {
      buffer[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    buffer[this.pos++] = Number(rest);
  }

  varintField(field: number, value: Varint): void {
    if (value === 0 || value === 0n) return;
    this.buffer[this.pos++] = tag(field, wireVarint);
    this.varint(value);
  }

  bytesField(field: number, value: Uint8Array): void {
    this.buffer[this.pos++] = tag(field, wireBytes);
    this.varint(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }
}

/** One KeyValue's message size (without its tag and length in the response). */
function keyValueSize(kv: KeyValue, lease: Varint): number {
  return (
    (kv.key.length > 0 ? bytesFieldSize(kv.key.length) : 0) +
    varintFieldSize(varintOf(kv.createRevision)) +
    varintFieldSize(varintOf(kv.modRevision)) +
    varintFieldSize(varintOf(kv.version)) +
    (kv.value.length > 0 ? bytesFieldSize(kv.value.length) : 0) +
    varintFieldSize(lease)
  );
}

/** A RangeResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeRange(header: ResponseHeader, response: RangeResponse): PreEncoded {
  const headerBytes = encodeHeader(header);
  const { kvs } = response;
  const leases: Varint[] = new Array<Varint>(kvs.length);
  const sizes: number[] = new Array<number>(kvs.length);
  let size = bytesFieldSize(headerBytes.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    leases[i] = kv.lease === 0n ? 0 : varintOf(kv.lease);
    sizes[i] = keyValueSize(kv, leases[i]!);
    size += bytesFieldSize(sizes[i]!);
  }
  const count = varintOf(response.count);
  size += (response.more ? 2 : 0) + varintFieldSize(count);
  const w = new Writer(size);
  w.bytesField(1, headerBytes);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    w.buffer[w.pos++] = tag(2, wireBytes);
    w.varint(sizes[i]!);
    if (kv.key.length > 0) w.bytesField(1, kv.key);
    w.varintField(2, varintOf(kv.createRevision));
    w.varintField(3, varintOf(kv.modRevision));
    w.varintField(4, varintOf(kv.version));
    if (kv.value.length > 0) w.bytesField(5, kv.value);
    w.varintField(6, leases[i]!);
  }
  if (response.more) w.varintField(3, 1);
  w.varintField(4, count);
  if (w.pos !== size) throw new Error(`range encoder: wrote ${w.pos} of ${size} bytes`);
  return preEncoded(w.buffer);
}
