/**
 * A growable writer and a bounds-checked reader for Concord's compact binary encodings (stored
 * KeyValues, lease records, Raft entry payloads). Integers up to 2^53 are unsigned LEB128
 * varints; 64-bit IDs are fixed 8 bytes. The reader reports damage as a `Corrupt`
 * ConcordError naming what it was reading and where: bytes come from disk or the Raft log,
 * so bad bytes are an operating error, not a bug.
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';

const initialBytes = 64;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacityBytes = initialBytes) {
    this.buffer = new Uint8Array(Math.max(capacityBytes, 8));
    this.view = new DataView(this.buffer.buffer);
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
    this.view.setBigInt64(this.length, BigInt.asIntN(64, value));
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
    this.bytes(utf8Encoder.encode(value));
  }

  /** The bytes written so far (a copy trimmed to length; the writer can be reused). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + n) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}

export class ByteReader {
  private readonly view: DataView;
  offset = 0;

  constructor(
    private readonly input: Uint8Array,
    /** Named in error messages: what these bytes are. */
    private readonly what: string,
  ) {
    this.view = new DataView(input.buffer, input.byteOffset, input.length);
  }

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
    this.offset += 8;
    return this.view.getBigInt64(this.offset - 8);
  }

  /** Length-prefixed bytes, as a view into the input (the caller owns neither). */
  bytes(): Uint8Array {
    const length = this.uvarint();
    this.need(length);
    this.offset += length;
    return this.input.subarray(this.offset - length, this.offset);
  }

  string(): string {
    const raw = this.bytes();
    try {
      return utf8Decoder.decode(raw);
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
