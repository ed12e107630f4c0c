/**
 * A growable writer and a bounds-checked reader for Concord's compact binary encodings (stored
 * KeyValues, lease records, Raft entry payloads, and any other layer's records and frames).
 * Integers up to 2^53 are unsigned LEB128 varints; 64-bit IDs are fixed 8 bytes big-endian. The reader reports damage as a `Corrupt`
 * ConcordError naming what it was reading and where: bytes come from disk or the Raft log,
 * so bad bytes are an operating error, not a bug.
 */
import { assert, assertSafeInteger } from './assert.js';
import { ConcordError } from './errors.js';

const initialBytes = 64;

// Small buffers are carved out of shared slabs. Each `new Uint8Array(n)` past V8's on-heap
// limit (64 bytes) gets its own off-heap backing store, and a store holding a million of
// them spends most of its time in the garbage collector; views into a slab cost one small
// heap object each. A slab lives while any view into it does (the price: after many deletes
// a slab may be mostly garbage; the memory backend accepts that, LMDB copies values out).
const slabBytes = 64 * 1024;
const slabPieceBytesMax = 4 * 1024;

class Slab {
  current = new Uint8Array(0);
  used = 0;

  allocate(size: number): Uint8Array {
    if (size > slabPieceBytesMax) return new Uint8Array(size);
    if (this.used + size > this.current.length) {
      this.current = new Uint8Array(slabBytes);
      this.used = 0;
    }
    this.used += size;
    return this.current.subarray(this.used - size, this.used);
  }
}

const shared = new Slab();
// Bytes that die within a turn or two (a peer frame on its way to the socket, a WAL write)
// get slabs of their own, so that they never pin a slab of the log's entries.
const transient = new Slab();

function allocate(size: number): Uint8Array {
  return shared.allocate(size);
}

/**
 * `size` bytes for a buffer that is dropped soon after it is written out: a peer
 * frame, a WAL record batch. Each `new Uint8Array` past 64 bytes costs an ArrayBuffer, a
 * backing store and an extension that every scavenge sweeps; a leader made about three of
 * these per write. From a slab, one in 64 KB does.
 */
export function transientBytes(size: number): Uint8Array {
  return transient.allocate(size);
}

/** Bytes uvarint() takes for `value`. */
export function uvarintBytes(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}
/**
 * A copy of `bytes` in the shared slab, or `bytes` itself past a slab piece's size. For bytes
 * that die in about the order they arrive (see ByteWriter.finishInSlab), copied out of a
 * buffer that should not live as long: a peer's socket chunk, kept whole by a view.
 */
export function copyInSlab(bytes: Uint8Array): Uint8Array {
  if (bytes.length > slabPieceBytesMax) return bytes;
  const out = allocate(bytes.length);
  out.set(bytes);
  return out;
}

const utf8Encoder = new TextEncoder();
/** Strings up to this many bytes are read without the decoder when they are ASCII. */
const shortStringBytes = 32;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// No DataViews here: they force an off-heap ArrayBuffer per small array, and the hot paths
// (every stored KeyValue) are allocation-bound. Bytes are written and read by hand.
export class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  /** With an exact `capacityBytes`, finish() hands over the buffer without copying. */
  constructor(capacityBytes = initialBytes) {
    this.buffer = allocate(Math.max(capacityBytes, 1));
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned varint, exact up to 2^53 (no 32-bit bit operations on the high part). */
  uvarint(value: number): void {
    assertSafeInteger(value, 'an encoded varint');
    this.reserve(8);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.length++] = value;
  }

  /** Any safe integer: a sign byte, then the magnitude as a varint. */
  svarint(value: number): void {
    assert(
      Number.isSafeInteger(value),
      () => `an encoded svarint must be a safe integer: ${value}`,
    );
    this.u8(value < 0 ? 1 : 0);
    this.uvarint(Math.abs(value));
  }

  /** A signed 64-bit integer (lease IDs), fixed 8 bytes big-endian. */
  i64(value: bigint): void {
    this.reserve(8);
    let high = 0;
    let low: number;
    if (value >= 0n && value <= 0xffff_ffffn) {
      low = Number(value); // the common case (no lease: 0n) without bigint shifts
    } else {
      const u = BigInt.asUintN(64, value);
      high = Number(u >> 32n);
      low = Number(u & 0xffffffffn);
    }
    const b = this.buffer;
    const o = this.length;
    b[o] = high >>> 24;
    b[o + 1] = (high >>> 16) & 0xff;
    b[o + 2] = (high >>> 8) & 0xff;
    b[o + 3] = high & 0xff;
    b[o + 4] = low >>> 24;
    b[o + 5] = (low >>> 16) & 0xff;
    b[o + 6] = (low >>> 8) & 0xff;
    b[o + 7] = low & 0xff;
    this.length += 8;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    this.uvarint(value.length);
    this.raw(value);
  }

  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  string(value: string): void {
    // A short ASCII string (a user name, a client ID) is its own UTF-8: written in place,
    // without an encoder call and the array it makes.
    if (value.length < 0x80) {
      this.reserve(1 + value.length);
      const start = this.length;
      this.buffer[start] = value.length;
      let i = 0;
      for (; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        this.buffer[start + 1 + i] = c;
      }
      if (i === value.length) {
        this.length = start + 1 + value.length;
        return;
      }
    }
    this.bytes(utf8Encoder.encode(value));
  }

  /** The bytes written; the writer must not be used afterwards. */
  finish(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }

  /**
   * The bytes written as a view into the shared slab, with the unused end of this writer's
   * piece given back when nothing was carved out after it. For bytes that die in about the
   * order they were made, such as Raft log entries (compacted oldest first), so that their
   * slabs die too: each costs one small view instead of a copy with its own ArrayBuffer,
   * which the log held for thousands of entries and every scavenge copied. Bytes with
   * lifetimes of their own (index keys, stored values) take finish(): a view would pin a
   * whole slab for each survivor.
   */
  finishInSlab(): Uint8Array {
    const b = this.buffer;
    if (b.buffer === shared.current.buffer && b.byteOffset + b.length === shared.used) {
      shared.used -= b.length - this.length;
    }
    return b.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + n) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

export class ByteReader {
  offset = 0;

  constructor(
    private readonly input: Uint8Array,
    /** Named in error messages: what these bytes are. */
    private readonly what: string,
  ) {}

  u8(): number {
    this.need(1);
    return this.input[this.offset++]!;
  }

  uvarint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 49) this.corrupt('varint longer than 2^53');
    }
    if (!Number.isSafeInteger(value)) this.corrupt('varint beyond 2^53');
    return value;
  }

  svarint(): number {
    const sign = this.u8();
    if (sign > 1) this.corrupt(`bad sign byte ${sign}`);
    const magnitude = this.uvarint();
    return sign === 1 ? -magnitude : magnitude;
  }

  /** A count of items that each take at least one byte: more than remain is damage. */
  count(): number {
    const n = this.uvarint();
    if (n > this.input.length - this.offset) this.corrupt(`count ${n} beyond the input`);
    return n;
  }

  i64(): bigint {
    this.need(8);
    const b = this.input;
    const o = this.offset;
    const high = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    const low = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
    this.offset += 8;
    if (high === 0) return BigInt(low); // the common case (no lease: 0n) without bigint shifts
    return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
  }

  /** Length-prefixed bytes, as a view into the input (the caller owns neither). */
  bytes(): Uint8Array {
    const length = this.uvarint();
    this.need(length);
    this.offset += length;
    return this.input.subarray(this.offset - length, this.offset);
  }

  string(): string {
    const length = this.uvarint();
    this.need(length);
    const start = this.offset;
    this.offset += length;
    if (length <= shortStringBytes) {
      // ASCII (every byte below 0x80) is valid UTF-8 as it is: no decoder call, no view.
      const b = this.input;
      let out = '';
      let i = start;
      for (; i < start + length && b[i]! < 0x80; i++) out += String.fromCharCode(b[i]!);
      if (i === start + length) return out;
    }
    try {
      return utf8Decoder.decode(this.input.subarray(start, start + length));
    } catch {
      return this.corrupt('invalid UTF-8');
    }
  }

  atEnd(): boolean {
    return this.offset === this.input.length;
  }

  /** Asserts every byte was consumed: trailing bytes mean a format mismatch. */
  end(): void {
    if (!this.atEnd()) this.corrupt(`${this.input.length - this.offset} trailing bytes`);
  }

  corrupt(why: string): never {
    throw new ConcordError('Corrupt', `${this.what}: ${why} at offset ${this.offset}`);
  }

  private need(n: number): void {
    if (this.offset + n > this.input.length) this.corrupt(`truncated (need ${n} more bytes)`);
  }
}
