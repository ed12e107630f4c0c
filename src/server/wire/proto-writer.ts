/**
 * The protobuf writing the hand encoders share (./range-encoder.ts, ./kv-write-encoder.ts,
 * ./watch-encoder.ts): varints sized and written from the store's numbers and bigints, and
 * mvccpb.KeyValue (key 1, create_revision 2, mod_revision 3, version 4, value 5, lease 6).
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0, false, empty) left out, a negative int64 as ten bytes (two's complement). Every
 * field number in these messages is below 16, so every tag is one byte. A message is sized
 * first, then written into a buffer of exactly that size (`Writer.done` checks they agree).
 */
import type { KeyValue } from '../../mvcc/types.js';

export const wireVarint = 0;
export const wireBytes = 2;
export const tag = (field: number, wire: number): number => (field << 3) | wire;

/** An int64 as what its varint encodes: a non-negative safe integer as a number. */
export type Varint = number | bigint;

const safeMax = BigInt(Number.MAX_SAFE_INTEGER);

export function varintOf(value: number | bigint): Varint {
  if (typeof value === 'number') {
    return value >= 0 ? value : BigInt.asUintN(64, BigInt(value));
  }
  return value >= 0n && value <= safeMax ? Number(value) : BigInt.asUintN(64, value);
}

/** The high 32 bits of a 64-bit varint value (a lease ID, a negative int64). */
const high32 = (value: bigint): number => Number(value >> 32n);
const low32 = (value: bigint): number => Number(value & 0xffff_ffffn);

export function varintSize(value: Varint): number {
  if (typeof value === 'number') {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
    let size = 4;
    for (let rest = Math.floor(value / 0x10000000); rest > 0; rest = Math.floor(rest / 0x80)) {
      size++;
    }
    return size;
  }
  // 7 bits a byte of the value's significant bits (no bigint per byte).
  const high = high32(value);
  if (high === 0) return varintSize(low32(value));
  return Math.ceil((64 - Math.clz32(high)) / 7);
}

/** A varint field's size (tag and value), 0 at the default 0. */
export function varintFieldSize(value: Varint): number {
  return value === 0 || value === 0n ? 0 : 1 + varintSize(value);
}

/** A length-delimited field's size, holding `length` bytes. */
export function bytesFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

export class Writer {
  readonly buffer: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  byte(value: number): void {
    this.buffer[this.pos++] = value;
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
    // protobufjs's 64-bit varint over two 32-bit halves (no bigint per byte).
    let low = low32(value);
    let high = high32(value);
    while (high !== 0) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    while (low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low >>>= 7;
    }
    buffer[this.pos++] = low;
  }

  /** Bytes already encoded (a cached field or message), as they are. */
  bytes(value: Uint8Array): void {
    this.buffer.set(value, this.pos);
    this.pos += value.length;
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

  /** The tag and length of a message field whose body (`size` bytes) is written next. */
  messageStart(field: number, size: number): void {
    this.buffer[this.pos++] = tag(field, wireBytes);
    this.varint(size);
  }

  /** The buffer, checked to be exactly filled (a size and a write that disagree is a bug). */
  done(what: string): Buffer {
    if (this.pos !== this.buffer.length) {
      throw new Error(`${what} encoder: wrote ${this.pos} of ${this.buffer.length} bytes`);
    }
    return this.buffer;
  }
}

/** A KeyValue's lease as its varint (0 for none, the common case, without a bigint step). */
export function leaseVarint(kv: KeyValue): Varint {
  return kv.lease === 0n ? 0 : varintOf(kv.lease);
}

/** One KeyValue's message size (without its tag and length in the enclosing message). */
export function keyValueSize(kv: KeyValue, lease: Varint = leaseVarint(kv)): number {
  return (
    (kv.key.length > 0 ? bytesFieldSize(kv.key.length) : 0) +
    varintFieldSize(varintOf(kv.createRevision)) +
    varintFieldSize(varintOf(kv.modRevision)) +
    varintFieldSize(varintOf(kv.version)) +
    (kv.value.length > 0 ? bytesFieldSize(kv.value.length) : 0) +
    varintFieldSize(lease)
  );
}

/** A KeyValue as field `field` of the message being written, its body `size` bytes. */
export function writeKeyValue(
  w: Writer,
  field: number,
  kv: KeyValue,
  size: number,
  lease: Varint = leaseVarint(kv),
): void {
  w.messageStart(field, size);
  if (kv.key.length > 0) w.bytesField(1, kv.key);
  w.varintField(2, varintOf(kv.createRevision));
  w.varintField(3, varintOf(kv.modRevision));
  w.varintField(4, varintOf(kv.version));
  if (kv.value.length > 0) w.bytesField(5, kv.value);
  w.varintField(6, lease);
}

/**
 * The sizes of a message's nested messages, recorded in the order the sizing pass meets them
 * and taken back in the same order by the writing pass, so nothing is sized twice (a nested
 * txn would otherwise be sized once per level above it).
 */
export class Sizes {
  private readonly list: number[] = [];
  private next = 0;

  add(size: number): void {
    this.list.push(size);
  }

  /** A slot for a size known only after its own nested sizes are added; fill it with `set`. */
  reserve(): number {
    this.list.push(0);
    return this.list.length - 1;
  }

  set(slot: number, size: number): void {
    this.list[slot] = size;
  }

  take(): number {
    return this.list[this.next++]!;
  }
}
