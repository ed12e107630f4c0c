/**
 * etcd's revision: `main` is the cluster-wide logical clock (one per write request or txn),
 * `sub` orders the changes inside one main revision (a txn's puts and deletes). In the `key`
 * bucket a revision is the key: 8 bytes main and 8 bytes sub, both big-endian, joined by '_',
 * plus a trailing 't' for a tombstone (a delete) — etcd's exact layout, so bytewise order is
 * revision order and a backend scan replays history.
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';

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
  const out = new Uint8Array(revisionBytesLength + (tombstone ? 1 : 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(revision.main / two32));
  view.setUint32(4, revision.main >>> 0);
  out[8] = separator;
  view.setUint32(9, Math.floor(revision.sub / two32));
  view.setUint32(13, revision.sub >>> 0);
  if (tombstone) out[revisionBytesLength] = tombstoneMark;
  return out;
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const main = view.getUint32(0) * two32 + view.getUint32(4);
  const sub = view.getUint32(9) * two32 + view.getUint32(13);
  assert(Number.isSafeInteger(main) && Number.isSafeInteger(sub), 'revision beyond 2^53');
  return { revision: { main, sub }, tombstone };
}
