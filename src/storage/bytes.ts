/**
 * Little-endian integer helpers for the storage formats. Raft indexes and terms are numbers
 * stored as u64; member IDs are bigints stored as u64.
 */
import { assertSafeInteger } from '../base/assert.js';
import { joinU32 } from '../base/u64.js';

const two32 = 0x1_0000_0000;

export function putU64(view: DataView, offset: number, value: number): void {
  assertSafeInteger(value, 'a stored u64');
  view.setUint32(offset, value % two32, true);
  view.setUint32(offset + 4, Math.floor(value / two32), true);
}

/** Reads a u64 as a number, or undefined when it is not exact (damage, never ours). */
export function getU64(view: DataView, offset: number): number | undefined {
  const value = joinU32(view.getUint32(offset + 4, true), view.getUint32(offset, true));
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A reader that walks a buffer and reports running past its end as `undefined`. */
export class ByteReader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  u8(): number | undefined {
    return this.has(1) ? this.view.getUint8(this.offset++) : undefined;
  }

  u32(): number | undefined {
    if (!this.has(4)) return undefined;
    this.offset += 4;
    return this.view.getUint32(this.offset - 4, true);
  }

  u64(): number | undefined {
    if (!this.has(8)) return undefined;
    this.offset += 8;
    return getU64(this.view, this.offset - 8);
  }

  bigU64(): bigint | undefined {
    if (!this.has(8)) return undefined;
    this.offset += 8;
    return this.view.getBigUint64(this.offset - 8, true);
  }

  bytesOf(length: number): Uint8Array | undefined {
    if (!this.has(length)) return undefined;
    this.offset += length;
    return this.bytes.subarray(this.offset - length, this.offset);
  }

  remaining(): number {
    return this.bytes.length - this.offset;
  }

  private has(n: number): boolean {
    return this.offset + n <= this.bytes.length;
  }
}
