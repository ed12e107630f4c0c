/**
 * The whole backend as bytes, and back: the state machine's part of a Raft snapshot. Works on
 * any Backend through the port (a scan of every bucket inside one synchronous call, so it is
 * a consistent cut: nothing can write in between). For a large on-disk store, LmdbBackend
 * also offers a file copy (`copyTo`), which streams instead of holding the state in memory.
 *
 * Format: magic "CMVS", format version u8, then per bucket: name, entry count, entries
 * (length-prefixed key and value); then the CRC32C of everything before it (u32 LE).
 */
import { ConcordError } from '../base/errors.js';
import { bucketNames, type Backend, type BackendRead, type BucketName } from './backend.js';
import { copyBytes } from './bytes.js';
import { ByteReader, ByteWriter } from '../base/byte-codec.js';
import { crc32c } from '../base/crc32c.js';

const magic = [0x43, 0x4d, 0x56, 0x53]; // "CMVS"
const formatVersion = 1;

export function snapshotBackend(backend: BackendRead): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  for (const b of magic) w.u8(b);
  w.u8(formatVersion);
  for (const name of bucketNames) {
    const entries: [Uint8Array, Uint8Array][] = [];
    backend.scan(name, {}, (key, value) => {
      entries.push([key, value]);
    });
    w.string(name);
    w.uvarint(entries.length);
    for (const [key, value] of entries) {
      w.bytes(key);
      w.bytes(value);
    }
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32c(body), true);
  return out;
}

/**
 * Replaces the backend's whole contents with the snapshot's, in one transaction. Throws a
 * `Corrupt` ConcordError (and changes nothing) when the bytes are damaged.
 */
export function restoreBackend(backend: Backend, snapshot: Uint8Array): void {
  const buckets = decodeSnapshot(snapshot);
  backend.write((tx) => {
    for (const name of bucketNames) {
      const old: Uint8Array[] = [];
      tx.scan(name, {}, (key) => {
        old.push(copyBytes(key));
      });
      for (const key of old) tx.delete(name, key);
      for (const [key, value] of buckets.get(name) ?? []) tx.put(name, key, value);
    }
  });
}

function decodeSnapshot(snapshot: Uint8Array): Map<BucketName, [Uint8Array, Uint8Array][]> {
  if (snapshot.length < magic.length + 5) {
    throw new ConcordError('Corrupt', 'backend snapshot: too short');
  }
  const bodyLength = snapshot.length - 4;
  const body = snapshot.subarray(0, bodyLength);
  const stored = new DataView(snapshot.buffer, snapshot.byteOffset).getUint32(bodyLength, true);
  if (crc32c(body) !== stored) {
    throw new ConcordError(
      'Corrupt',
      `backend snapshot: checksum mismatch over ${bodyLength} bytes`,
    );
  }
  const r: ByteReader = new ByteReader(body, 'backend snapshot');
  for (const b of magic) if (r.u8() !== b) r.corrupt('bad magic');
  const version = r.u8();
  if (version !== formatVersion) r.corrupt(`unknown format version ${version}`);
  const buckets = new Map<BucketName, [Uint8Array, Uint8Array][]>();
  while (!r.atEnd()) {
    const name = r.string();
    const bucket = bucketNames.find((b) => b === name);
    if (bucket === undefined) r.corrupt(`unknown bucket ${JSON.stringify(name)}`);
    const count = r.uvarint();
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < count; i++) entries.push([r.bytes(), r.bytes()]);
    buckets.set(bucket, entries);
  }
  return buckets;
}
