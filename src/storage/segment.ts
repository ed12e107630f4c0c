/**
 * WAL segment files: `<seq>-<index>.wal`, both 16 hex digits (etcd's naming), where `seq`
 * counts segments from 0 and `index` is the first entry index the segment may hold (the last
 * index when it was cut, plus one). So every entry in segment k is below segment k+1's
 * `index`, which is what purging relies on.
 *
 * A segment starts with a 32-byte header:
 *   [magic "CNCDWAL\n"][format version u32][seq u64][index u64][reserved u32][crc32c u32]
 * (the CRC covers the 28 bytes before it), then frames (record.ts) from byte 32 on.
 */
import { crc32c } from '../base/crc32c.js';
import { ByteReader, putU64 } from './bytes.js';

export const segmentHeaderBytes = 32;
export const walFormatVersion = 1;
const magic = new TextEncoder().encode('CNCDWAL\n');

export interface SegmentName {
  readonly seq: number;
  readonly index: number;
}

export function segmentFileName({ seq, index }: SegmentName): string {
  return `${hex16(seq)}-${hex16(index)}.wal`;
}

/** Parses a segment file name, or undefined when the name is not one. */
export function parseSegmentFileName(name: string): SegmentName | undefined {
  const match = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/.exec(name);
  if (match === null) return undefined;
  const seq = Number.parseInt(match[1]!, 16);
  const index = Number.parseInt(match[2]!, 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(index)) return undefined;
  return { seq, index };
}

export function encodeSegmentHeader(name: SegmentName): Uint8Array {
  const out = new Uint8Array(segmentHeaderBytes);
  const view = new DataView(out.buffer);
  out.set(magic, 0);
  view.setUint32(8, walFormatVersion, true);
  putU64(view, 12, name.seq);
  putU64(view, 20, name.index);
  view.setUint32(28, crc32c(out.subarray(0, 28)), true);
  return out;
}

/** Checks a segment's header against its name; returns what is wrong, or undefined. */
export function checkSegmentHeader(bytes: Uint8Array, name: SegmentName): string | undefined {
  if (bytes.length < segmentHeaderBytes) return `header truncated to ${bytes.length} bytes`;
  const reader = new ByteReader(bytes.subarray(0, segmentHeaderBytes));
  const head = reader.bytesOf(magic.length)!;
  if (!head.every((b, i) => b === magic[i])) return 'not a WAL segment (bad magic)';
  const crc = new DataView(bytes.buffer, bytes.byteOffset).getUint32(28, true);
  if (crc32c(bytes.subarray(0, 28)) !== crc) return 'header CRC mismatch';
  const version = reader.u32();
  if (version !== walFormatVersion) {
    return `format version ${version}, but this build reads version ${walFormatVersion}`;
  }
  const seq = reader.u64();
  const index = reader.u64();
  if (seq !== name.seq || index !== name.index) {
    return `header says segment ${seq}-${index}, but the file is named ${name.seq}-${name.index}`;
  }
  return undefined;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
