/**
 * The snapshot file format:
 *   [magic "CNCDSNAP"][format version u32][crc32c u32 of the body][body]
 * body: [index u64][term u64][voter count u32][voters u64...][learner count u32]
 *       [learners u64...][data length u64][data]
 * Named `<term>-<index>.snap` (16 hex digits each, etcd's naming).
 */
import type { NodeId, Snapshot } from '../raft/types.js';
import { ByteReader, putU64 } from './bytes.js';
import { crc32c } from '../base/crc32c.js';

export const snapshotFormatVersion = 1;
const magic = new TextEncoder().encode('CNCDSNAP');
const headerBytes = 16;

export function snapshotFileName(index: number, term: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

export function parseSnapshotFileName(name: string): { index: number; term: number } | undefined {
  const match = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/.exec(name);
  if (match === null) return undefined;
  const term = Number.parseInt(match[1]!, 16);
  const index = Number.parseInt(match[2]!, 16);
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index)) return undefined;
  return { index, term };
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const { index, term, confState } = snapshot.metadata;
  const { voters, learners } = confState;
  const bodyBytes =
    8 + 8 + 4 + 8 * voters.length + 4 + 8 * learners.length + 8 + snapshot.data.length;
  const out = new Uint8Array(headerBytes + bodyBytes);
  const view = new DataView(out.buffer);
  out.set(magic);
  view.setUint32(8, snapshotFormatVersion, true);
  let at = headerBytes;
  putU64(view, at, index);
  putU64(view, at + 8, term);
  at += 16;
  for (const ids of [voters, learners]) {
    view.setUint32(at, ids.length, true);
    at += 4;
    for (const id of ids) {
      view.setBigUint64(at, id, true);
      at += 8;
    }
  }
  putU64(view, at, snapshot.data.length);
  out.set(snapshot.data, at + 8);
  view.setUint32(12, crc32c(out.subarray(headerBytes)), true);
  return out;
}

/** Decodes a snapshot file, or returns what is wrong with it. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot | string {
  if (bytes.length < headerBytes) return `truncated to ${bytes.length} bytes`;
  if (!magic.every((b, i) => bytes[i] === b)) return 'not a snapshot file (bad magic)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = view.getUint32(8, true);
  if (version !== snapshotFormatVersion) return `format version ${version} is not readable`;
  const body = bytes.subarray(headerBytes);
  if (crc32c(body) !== view.getUint32(12, true)) return 'CRC mismatch';
  const reader = new ByteReader(body);
  const index = reader.u64();
  const term = reader.u64();
  const voters = readIds(reader);
  const learners = readIds(reader);
  const length = reader.u64();
  if (index === undefined || term === undefined || !voters || !learners || length === undefined) {
    return 'impossible metadata';
  }
  if (length !== reader.remaining()) return `data length ${length} disagrees with the file size`;
  const data = body.slice(reader.offset);
  return { metadata: { index, term, confState: { voters, learners } }, data };
}

function readIds(reader: ByteReader): NodeId[] | undefined {
  const count = reader.u32();
  if (count === undefined || count * 8 > reader.remaining()) return undefined;
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(reader.bigU64()!);
  return ids;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
