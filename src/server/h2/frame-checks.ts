/**
 * The per-frame checks of RFC 9113 Section 6 that the frame reader applies, as plain functions
 * (no closures, nothing allocated unless a check fails): padding, which stream a frame may be
 * on, fixed payload lengths. Each failure is a ConnectionError with the code the RFC names.
 */
import { ConnectionError, ErrorCode } from './errors.js';
import { FrameFlag, type FrameType, frameTypeName } from './frame.js';

/** Length of the Pad Length field of a PADDED frame. */
export const padLengthBytes = 1;

/**
 * The padding length of a frame (0 when not PADDED), checked: the Pad Length octet, `fixed`
 * octets of other fields and the padding must fit in the payload (Sections 6.1, 6.2).
 */
export function padding(
  bytes: Uint8Array,
  start: number,
  length: number,
  flags: number,
  fixed: number,
  type: FrameType,
): number {
  const padded = (flags & FrameFlag.PADDED) !== 0;
  const header = (padded ? padLengthBytes : 0) + fixed;
  if (length < header) {
    throw new ConnectionError(
      ErrorCode.FRAME_SIZE_ERROR,
      `${frameTypeName(type)} of ${length} octets too short for its ${header} octets of fields`,
    );
  }
  if (!padded) return 0;
  const pad = bytes[start] as number;
  if (pad > length - header) {
    // "If the length of the padding is the length of the frame payload or greater": the pad
    // length must leave room for the Pad Length octet and the fixed fields.
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `${frameTypeName(type)} padding of ${pad} octets exceeds its payload of ${length}`,
    );
  }
  return pad;
}

export function requireStream(type: FrameType, streamId: number): void {
  if (streamId === 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${frameTypeName(type)} on stream 0`);
  }
}

export function requireConnection(type: FrameType, streamId: number): void {
  if (streamId !== 0) {
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `${frameTypeName(type)} on stream ${streamId}, not on stream 0`,
    );
  }
}

export function requireLength(type: FrameType, length: number, expected: number): void {
  if (length !== expected) {
    throw new ConnectionError(
      ErrorCode.FRAME_SIZE_ERROR,
      `${frameTypeName(type)} of ${length} octets, not ${expected}`,
    );
  }
}

/** A big-endian unsigned 32-bit integer (as a non-negative number). */
export function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x100_0000 +
    (((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number))
  );
}
