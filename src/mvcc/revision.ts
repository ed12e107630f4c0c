/**
 * etcd's revision: `main` is the cluster-wide logical clock (one per write request or txn),
 * `sub` orders the changes inside one main revision (a txn's puts and deletes). In the `key`
 * bucket a revision is the key: 8 bytes main and 8 bytes sub, both big-endian, joined by '_',
 * plus a trailing 't' for a tombstone (a delete) — etcd's exact layout, so bytewise order is
 * revision order and a backend scan replays history.
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import { joinU32 } from '../base/u64.js';

export interface Revision {
  readonly main: number;
  readonly sub: number;
}

export const revisionBytesLength = 17;
const tombstoneMark = 0x74; // 't'
const separator = 0x5f; // '_'
const two32 = 0x1_0000_0000;

export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

export function revisionToBytes(revision: Revision, tombstone = false): Uint8Array {
  assertSafeInteger(revision.main, 'revision main');
  assertSafeInteger(revision.sub, 'revision sub');
  // Small typed arrays live on the JS heap; a DataView would force an off-heap ArrayBuffer
  // per key, which made every read allocation-bound. So the bytes are written by hand.
  const out = new Uint8Array(revisionBytesLength + (tombstone ? 1 : 0));
  putU64(out, 0, revision.main);
  out[8] = separator;
  putU64(out, 9, revision.sub);
  if (tombstone) out[revisionBytesLength] = tombstoneMark;
  return out;
}

function putU64(out: Uint8Array, offset: number, value: number): void {
  const high = Math.floor(value / two32);
  const low = value >>> 0;
  out[offset] = high >>> 24;
  out[offset + 1] = (high >>> 16) & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
}

function getU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) >>> 0) +
    (bytes[offset + 1]! << 16) +
    (bytes[offset + 2]! << 8) +
    bytes[offset + 3]!
  );
}

/** The smallest key-bucket key of main revision `main` (a scan bound). */
export function mainRevisionBytes(main: number): Uint8Array {
  return revisionToBytes({ main, sub: 0 });
}

export interface BucketKey {
  readonly revision: Revision;
  readonly tombstone: boolean;
}

export function bytesToRevision(bytes: Uint8Array): BucketKey {
  const tombstone = bytes.length === revisionBytesLength + 1 && bytes[17] === tombstoneMark;
  if ((bytes.length !== revisionBytesLength && !tombstone) || bytes[8] !== separator) {
    throw new ConcordError(
      'Corrupt',
      `key bucket: malformed revision key of ${bytes.length} bytes`,
    );
  }
  const main = joinU32(getU32(bytes, 0), getU32(bytes, 4));
  const sub = joinU32(getU32(bytes, 9), getU32(bytes, 13));
  assert(Number.isSafeInteger(main) && Number.isSafeInteger(sub), 'revision beyond 2^53');
  return { revision: { main, sub }, tombstone };
}
