/**
 * The MVCC key-value store's state: the current and compact revisions, the key index, and
 * the backend it reads. Writes go through a WriteTxn (write-txn.ts), reads through a
 * ReadView; the Range/Put/DeleteRange/Txn semantics on top live in range.ts and txn.ts, and
 * the apply entry point that drives all of it is state-machine.ts.
 */
import { assert } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import type { Backend, BackendRead } from './backend.js';
import { bytesKey, copyBytes } from './bytes.js';
import { KeyIndex, type RevisionSet } from './key-index.js';
import type { KeyRange } from './key-range.js';
import { decodeKeyValue } from './kv-codec.js';
import { readMeta } from './meta.js';
import { bytesToRevision, revisionToBytes, type Revision } from './revision.js';
import { TreeIndex } from './tree-index.js';
import type { KeyValue } from './types.js';

/** What the store needs from the lessor: which lease each key is attached to. */
export interface LeaseAttachments {
  /** The lease `key` is attached to, or 0n. */
  leaseOf(key: Uint8Array): bigint;
  attach(lease: bigint, key: Uint8Array): void;
  detach(lease: bigint, key: Uint8Array): void;
}

/** A consistent way to read: a backend reader and the revision reads default to. */
export interface ReadView {
  readonly reader: BackendRead;
  /** The newest revision this view sees (reads with revision 0 read here). */
  readonly revision: number;
  readonly compactRevision: number;
}

/** etcd starts at revision 1: a new cluster's first write is revision 2. */
export const initialRevision = 1;

export class KvStore {
  readonly index = new TreeIndex();
  // Invariant: >= initialRevision; every revision up to it is in the backend or compacted.
  private current = initialRevision;
  // Invariant: compactRevision <= currentRevision. Reads below it fail with RevisionCompacted.
  private compacted = 0;

  constructor(
    readonly backend: Backend,
    private readonly leases: LeaseAttachments,
  ) {}

  get currentRevision(): number {
    return this.current;
  }

  get compactRevision(): number {
    return this.compacted;
  }

  /** Called by WriteTxn.end: a write txn with changes took the next revision. */
  advanceRevision(revision: number): void {
    assert(revision === this.current + 1, () => `revision ${revision} after ${this.current}`);
    this.current = revision;
  }

  /** Called by compaction once it validated `revision`. */
  setCompactRevision(revision: number): void {
    assert(revision > this.compacted && revision <= this.current, 'compact revision out of order');
    this.compacted = revision;
  }

  view(): ReadView {
    return { reader: this.backend, revision: this.current, compactRevision: this.compacted };
  }

  /**
   * Checks a requested read revision against a view: 0 means the view's own; beyond it is
   * FutureRevision, below the compact revision is RevisionCompacted (as etcd, the compact
   * revision itself stays readable: compaction keeps each key's state at it).
   */
  static readRevision(view: ReadView, requested: number | undefined): number {
    const revision = requested ?? 0;
    if (revision > view.revision) {
      throw new ConcordError('FutureRevision', 'mvcc: required revision is a future revision');
    }
    if (revision > 0 && revision < view.compactRevision) {
      throw new ConcordError('RevisionCompacted', 'mvcc: required revision has been compacted');
    }
    return revision <= 0 ? view.revision : revision;
  }

  /** The stored KeyValue at `revision`, which the index says exists. */
  kvAt(reader: BackendRead, revision: Revision): KeyValue {
    const bytes = reader.get('key', revisionToBytes(revision));
    assert(
      bytes !== undefined,
      () => `index has revision {${revision.main} ${revision.sub}} but the backend does not`,
    );
    const kv = decodeKeyValue(bytes);
    assert(kv.modRevision === revision.main, 'stored KeyValue under the wrong revision');
    return kv;
  }

  /** The KeyValues in `range` at `atRev`, in key order, at most `limit` (0: all). */
  keyValues(reader: BackendRead, range: KeyRange, atRev: number, limit = 0): KeyValue[] {
    const kvs: KeyValue[] = [];
    this.index.range(range, atRev, (k) => {
      kvs.push(this.kvAt(reader, k.modified));
      return limit === 0 || kvs.length < limit;
    });
    return kvs;
  }

  /**
   * Rebuilds the index and revisions from the backend (etcd's restore), after open. Reports
   * each live key's lease through `attach` so the lessor can rebuild its key sets. Returns
   * the revisions compaction keeps when a compaction was scheduled but not finished, so the
   * caller can resume the physical deletion.
   */
  restore(): { pendingCompaction?: { revision: number; keep: RevisionSet } } {
    assert(this.index.size === 0, 'restore into a used store');
    const keyLeases = new Map<string, { key: Uint8Array; lease: bigint }>();
    let current = initialRevision;
    this.backend.scan('key', {}, (bucketKey, value) => {
      const { revision, tombstone } = bytesToRevision(bucketKey);
      const kv = decodeKeyValue(value);
      current = Math.max(current, revision.main);
      const ki = this.index.entry(kv.key);
      if (tombstone) {
        // A tombstone whose key was compacted away (kept only at the compact revision).
        if (ki === undefined || !ki.isLive()) return;
        ki.tombstone(revision);
        keyLeases.delete(bytesKey(kv.key));
        return;
      }
      if (ki === undefined) {
        const created = { main: kv.createRevision, sub: 0 };
        this.index.insert(kv.key, KeyIndex.restore(created, revision, kv.version));
      } else ki.put(revision);
      const k = bytesKey(kv.key);
      if (kv.lease === 0n) keyLeases.delete(k);
      else keyLeases.set(k, { key: copyBytes(kv.key), lease: kv.lease });
    });
    for (const { key, lease } of keyLeases.values()) this.leases.attach(lease, key);

    const scheduled = readMeta(this.backend, 'scheduledCompactRevision');
    const finished = readMeta(this.backend, 'finishedCompactRevision');
    this.current = Math.max(current, scheduled);
    if (scheduled === 0) return {};
    this.compacted = scheduled;
    const keep = this.index.compact(scheduled);
    return scheduled > finished ? { pendingCompaction: { revision: scheduled, keep } } : {};
  }
}
