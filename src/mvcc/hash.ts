/**
 * Two hashes for comparing members, both CRC32C.
 *
 * Hash (etcd's Maintenance.Hash, backend.Hash): the whole backend, every bucket. What is
 * hashed, exactly: for each bucket in bytewise order of its name (alarm, auth, key, lease,
 * members, meta, session), the name's bytes, then each entry in key order as uvarint(key
 * length), key, uvarint(value length), value. The meta bucket's `consistent_index` and `term`
 * are left out, as etcd leaves them out (its DefaultIgnores), so members that applied the same
 * requests but a different number of empty or membership entries agree. The length prefixes
 * are Concord's (etcd writes key and value back to back), so the numbers differ from etcd's.
 * It covers the physical state: members that agree on HashKV may still differ here while one
 * has not finished a compaction (meta's finished revision, and the key bucket, differ).
 *
 * HashKV (etcd's hashByRev/kvHasher): a CRC32C that equals on members with the same history,
 * whatever their physical compaction progress, so operators can compare members.
 *
 * What is hashed, exactly: the bytes "key" (the bucket's name), then for every entry of the
 * `key` bucket in revision order whose main revision is <= `revision`: its bucket key (the
 * 17/18-byte revision) followed by its stored value (the encoded KeyValue). Entries at or
 * below the compact revision count only if they are what a compaction at `revision` would
 * keep (etcd's `keep`), and a tombstone at exactly the compact revision never counts (etcd
 * does the same, so members that did or did not keep it agree). The numbers differ from
 * etcd's, whose stored values are protobuf; the semantics are the same.
 */
import { crc32c } from '../base/crc32c.js';
import { ConcordError } from '../base/errors.js';
import { bucketNames, type BackendRead } from './backend.js';
import { compareBytes, equalBytes } from './bytes.js';
import type { KvStore } from './kv-store.js';
import { metaKeys } from './meta.js';
import { bytesToRevision, mainRevisionBytes } from './revision.js';

export interface HashKvResult {
  readonly hash: number;
  /** The compact revision when the hash was taken. */
  readonly compactRevision: number;
  /** The revision the hash covers (the current one when asked for 0). */
  readonly hashRevision: number;
}

export interface HashResult {
  readonly hash: number;
  /** The store's revision when the hash was taken (etcd's header revision). */
  readonly revision: number;
}

const utf8 = new TextEncoder();
const bucketName = utf8.encode('key');
const bucketsInNameOrder = bucketNames
  .map((name) => ({ name, bytes: utf8.encode(name) }))
  .sort((a, b) => compareBytes(a.bytes, b.bytes));
const ignoredMeta = [metaKeys.consistentIndex, metaKeys.term];

/** etcd's Maintenance.Hash over `backend`, reported at `revision`; see the file comment. */
export function hashBackend(backend: BackendRead, revision: number): HashResult {
  let hash = 0;
  const scratch = new Uint8Array(10);
  const lengthPrefix = (n: number): Uint8Array => {
    let i = 0;
    for (; n >= 0x80; n = Math.floor(n / 0x80)) scratch[i++] = (n % 0x80) | 0x80;
    scratch[i++] = n;
    return scratch.subarray(0, i);
  };
  for (const { name, bytes } of bucketsInNameOrder) {
    hash = crc32c(bytes, hash);
    backend.scan(name, {}, (key, value) => {
      if (name === 'meta' && ignoredMeta.some((k) => equalBytes(k, key))) return;
      hash = crc32c(lengthPrefix(key.length), hash);
      hash = crc32c(key, hash);
      hash = crc32c(lengthPrefix(value.length), hash);
      hash = crc32c(value, hash);
    });
  }
  return { hash, revision };
}

export function hashKv(store: KvStore, revision = 0): HashKvResult {
  const current = store.currentRevision;
  const compactRevision = store.compactRevision;
  if (revision > 0 && revision < compactRevision) {
    throw new ConcordError('RevisionCompacted', 'mvcc: required revision has been compacted');
  }
  if (revision > current) {
    throw new ConcordError('FutureRevision', 'mvcc: required revision is a future revision');
  }
  const hashRevision = revision <= 0 ? current : revision;
  const keep = store.index.keep(hashRevision);
  let hash = crc32c(bucketName);
  const end = mainRevisionBytes(hashRevision + 1);
  store.backend.scan('key', { end }, (key, value) => {
    const { revision: r, tombstone } = bytesToRevision(key);
    if (r.main <= compactRevision && keep.size > 0 && !keep.has(r)) return;
    if (r.main === compactRevision && tombstone) return;
    hash = crc32c(value, crc32c(key, hash));
  });
  return { hash, compactRevision, hashRevision };
}
