/**
 * The `meta` bucket: etcd's bookkeeping keys. The consistent index (the last applied Raft
 * entry) and its term are written in the same transaction as the data that entry changed;
 * the compaction revisions say how far compaction was asked to go (scheduled) and how far
 * the backend has physically deleted (finished), so a restart can resume it.
 */
import type { BackendRead, BackendWrite } from './backend.js';
import { ByteReader, ByteWriter } from '../base/byte-codec.js';

const utf8 = new TextEncoder();

export const metaKeys = {
  consistentIndex: utf8.encode('consistent_index'),
  term: utf8.encode('term'),
  scheduledCompactRevision: utf8.encode('scheduledCompactRev'),
  finishedCompactRevision: utf8.encode('finishedCompactRev'),
} as const;

export type MetaKey = keyof typeof metaKeys;

/** A meta number, or 0 when never written. */
export function readMeta(reader: BackendRead, key: MetaKey): number {
  const bytes = reader.get('meta', metaKeys[key]);
  if (bytes === undefined) return 0;
  const r = new ByteReader(bytes, `meta ${key}`);
  const value = r.uvarint();
  r.end();
  return value;
}

/**
 * Written on every applied batch, and replaced by the next: a view into the shared slab, not
 * a copy with an ArrayBuffer of its own (two per write on every member). It dies young, in
 * order, as finishInSlab wants: the write buffer holds it until its next commit (LMDB copies
 * it then) or the next batch replaces it.
 */
export function writeMeta(tx: BackendWrite, key: MetaKey, value: number): void {
  const w = new ByteWriter(10);
  w.uvarint(value);
  tx.put('meta', metaKeys[key], w.finishInSlab());
}
