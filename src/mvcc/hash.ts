/**
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
import { ConcordError } from '../base/errors.js';
import type { KvStore } from './kv-store.js';
import { crc32c } from '../base/crc32c.js';
import { bytesToRevision, mainRevisionBytes } from './revision.js';

export interface HashKvResult {
  readonly hash: number;
  /** The compact revision when the hash was taken. */
  readonly compactRevision: number;
  /** The revision the hash covers (the current one when asked for 0). */
  readonly hashRevision: number;
}

const bucketName = new TextEncoder().encode('key');

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
