/**
 * The varint and bytes reads shared by the hand decoders of the hot requests
 * (./range-request-decoder.ts, ./put-request-decoder.ts), each read as protobufjs reads it.
 * Anything protobufjs would read its own way (an over-long or over-large tag, length, enum or
 * bool, a truncated field) throws `unusual`: the caller hands the message to the generic
 * decoder then.
 */
export const emptyBytes: Buffer = Buffer.alloc(0);

/** Thrown inside the decoder to hand the message to the generic decoder. */
export const unusual = Symbol('unusual');

export class Reader {
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
export function int64Text(value: number | bigint): string {
  if (typeof value === 'number') return String(value);
  return BigInt.asIntN(64, value).toString();
}
