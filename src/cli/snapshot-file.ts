/**
 * The snapshot file, in etcd's format so that `concord snapshot save` and `etcdctl snapshot
 * save` write the same bytes: exactly what the Maintenance.Snapshot stream carries. That is
 * the member's backend snapshot (src/mvcc/backend-snapshot.ts: "CMVS", buckets, a CRC32C),
 * zero bytes up to a multiple of 512, then the sha256 of everything before it (32 bytes).
 * The file is kept whole (not stripped at save): `restore` and `status` check the sha256 and
 * strip the padding, so a file from either tool works with both.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isConcordError } from '../base/errors.js';
import { restoreBackend } from '../mvcc/backend-snapshot.js';
import { MemoryBackend } from '../mvcc/memory-backend.js';
import { CommandError } from './command-error.js';

export const sha256Bytes = 32;
export const snapshotAlignBytes = 512;

export interface SnapshotFile {
  /** The file's size, sha256 included. */
  readonly fileBytes: number;
  /** The backend snapshot, without padding or sha256: what restoreBackend takes. */
  readonly backendBytes: Uint8Array;
  /** The backend snapshot decoded (and thereby fully checked), in memory. */
  readonly state: MemoryBackend;
}

/**
 * Reads and checks a snapshot file. Errors (CommandError): unreadable, not a snapshot file
 * (wrong size), a sha256 that does not match (damaged), or a body that is not a backend
 * snapshot (wrong format, or damaged and the sha256 recomputed).
 */
export async function readSnapshotFile(path: string): Promise<SnapshotFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CommandError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseSnapshotFile(bytes, path);
}

export function parseSnapshotFile(bytes: Uint8Array, path: string): SnapshotFile {
  // etcdctl's hasChecksum(): a multiple of 512 (bbolt pages; Concord pads) plus the sha256.
  if (bytes.length < sha256Bytes || bytes.length % snapshotAlignBytes !== sha256Bytes) {
    throw new CommandError(
      `${path} is not a snapshot file: its size ${bytes.length} is not a multiple of ${snapshotAlignBytes} plus a ${sha256Bytes}-byte sha256 (what \`concord snapshot save\` and \`etcdctl snapshot save\` write)`,
    );
  }
  const body = bytes.subarray(0, bytes.length - sha256Bytes);
  const stored = Buffer.from(bytes.subarray(body.length));
  const computed = createHash('sha256').update(body).digest();
  if (!computed.equals(stored)) {
    throw new CommandError(
      `${path} is damaged: its sha256 is ${computed.toString('hex')}, the file says ${stored.toString('hex')}`,
    );
  }
  const decoded = unpad(body, path);
  return { fileBytes: bytes.length, ...decoded };
}

/**
 * The backend snapshot inside the zero padding. It ends with its CRC32C, whose last bytes may
 * themselves be zero, so its end is one of the 4 positions after the last non-zero byte: the
 * one where the snapshot decodes (its CRC32C and structure checked by restoreBackend).
 */
function unpad(padded: Uint8Array, path: string): Omit<SnapshotFile, 'fileBytes'> {
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  let reason = 'empty';
  for (let length = end; length <= Math.min(padded.length, end + 3); length++) {
    const backendBytes = padded.subarray(0, length);
    const state = new MemoryBackend();
    try {
      restoreBackend(state, backendBytes);
      return { backendBytes, state };
    } catch (error) {
      if (!isConcordError(error, 'Corrupt')) throw error;
      reason = error.message;
    }
  }
  throw new CommandError(
    `${path} holds no Concord backend snapshot (its sha256 matches, so it was written that way): ${reason}`,
  );
}
