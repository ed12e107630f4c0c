/**
 * Record framing, shared by WAL segments: each record is
 *
 *   [length u32 LE][crc32c u32 LE][body: `length` bytes][zero padding to a multiple of 8]
 *
 * where the body is a type byte and its payload, and the CRC covers the body. A body is never
 * empty, so a frame header of eight zero bytes can only be the zero-filled preallocated space
 * after the last record. Padding keeps every frame 8-aligned, so a scan for valid data after
 * a damaged record only needs to try aligned offsets.
 */
import { assert } from '../base/assert.js';
import { MiB } from '../base/limits.js';
import { crc32c } from '../base/crc32c.js';

export const frameHeaderBytes = 8;
export const frameAlignBytes = 8;
/** No record body is larger; a length beyond it is damage, not data. */
export const recordBodyBytesMax = 256 * MiB;

/** Bytes a frame with a body of `bodyBytes` occupies, padding included. */
export function frameBytes(bodyBytes: number): number {
  return align(frameHeaderBytes + bodyBytes);
}

export function align(bytes: number): number {
  return Math.ceil(bytes / frameAlignBytes) * frameAlignBytes;
}

/**
 * Seals the frame at `offset` of `out`, whose body (`bodyBytes` long) the caller has already
 * written at `offset + frameHeaderBytes`, with the padding after it zeroed: writes the length
 * and the body's CRC. `view` covers the same bytes as `out` (one per buffer, not per frame:
 * this runs for every record on the write path). Returns the offset after the frame.
 */
export function sealFrame(
  out: Uint8Array,
  view: DataView,
  offset: number,
  bodyBytes: number,
): number {
  if (bodyBytes <= 0 || bodyBytes > recordBodyBytesMax || offset % frameAlignBytes !== 0) {
    // (Checked before calling assert, so the hot path builds no message closures.)
    assert(false, `cannot frame a record of ${bodyBytes} bytes at offset ${offset}`);
  }
  const start = offset + frameHeaderBytes;
  view.setUint32(offset, bodyBytes, true);
  view.setUint32(offset + 4, crc32c(out.subarray(start, start + bodyBytes)), true);
  return offset + frameBytes(bodyBytes);
}

export type FrameRead =
  | { kind: 'record'; body: Uint8Array; next: number }
  /** Eight zero bytes: the preallocated space after the last record. */
  | { kind: 'end' }
  | { kind: 'bad'; reason: string };

/** Reads the frame at `offset` of `bytes` (which ends where the file ends). */
export function readFrame(bytes: Uint8Array, offset: number): FrameRead {
  if (offset + frameHeaderBytes > bytes.length) {
    const rest = bytes.subarray(offset);
    return rest.every((b) => b === 0)
      ? { kind: 'end' }
      : { kind: 'bad', reason: 'partial frame header' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frameHeaderBytes);
  const length = view.getUint32(0, true);
  const crc = view.getUint32(4, true);
  if (length === 0) return crc === 0 ? { kind: 'end' } : { kind: 'bad', reason: 'empty record' };
  const start = offset + frameHeaderBytes;
  if (length > recordBodyBytesMax || start + length > bytes.length) {
    return { kind: 'bad', reason: `record length ${length} runs past the end of the file` };
  }
  const body = bytes.subarray(start, start + length);
  if (crc32c(body) !== crc) return { kind: 'bad', reason: 'CRC mismatch' };
  return { kind: 'record', body, next: Math.min(bytes.length, offset + frameBytes(length)) };
}

/**
 * The offset of the first valid frame (CRC intact) at an aligned offset in [from, end of
 * bytes), or undefined. Used to tell a torn tail (nothing valid follows the damage) from
 * corruption (valid data follows it).
 */
export function findValidFrame(bytes: Uint8Array, from: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = align(from); at + frameHeaderBytes <= bytes.length; at += frameAlignBytes) {
    const length = view.getUint32(at, true);
    if (length === 0 || length > bytes.length - at - frameHeaderBytes) continue;
    const body = bytes.subarray(at + frameHeaderBytes, at + frameHeaderBytes + length);
    if (crc32c(body) === view.getUint32(at + 4, true)) return at;
  }
  return undefined;
}
