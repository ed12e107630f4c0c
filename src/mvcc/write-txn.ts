/**
 * One write transaction over the store (etcd's storeTxnWrite): every change it makes gets
 * the same main revision, the next one, with sub-revisions in order. Reads through `view()`
 * see the transaction's earlier changes. A transaction with no changes takes no revision.
 * It runs inside a backend write(), so all of it lands atomically.
 */
import { assert } from '../base/assert.js';
import type { BackendWrite } from './backend.js';
import { emptyBytes } from './bytes.js';
import type { KeyRange } from './key-range.js';
import { encodeKeyValue } from './kv-codec.js';
import type { KvStore, LeaseAttachments, ReadView } from './kv-store.js';
import { revisionToBytes } from './revision.js';
import type { Event, KeyValue } from './types.js';

export class WriteTxn {
  readonly beginRevision: number;
  /** The changes so far, in sub-revision order: the events watchers will get. */
  readonly changes: Event[] = [];
  private ended = false;

  constructor(
    private readonly store: KvStore,
    private readonly leases: LeaseAttachments,
    readonly tx: BackendWrite,
  ) {
    this.beginRevision = store.currentRevision;
  }

  /** The main revision this transaction writes at. */
  get revision(): number {
    return this.beginRevision + 1;
  }

  /** Reads see the store as of the start, plus this transaction's changes once it has any. */
  view(): ReadView {
    return {
      reader: this.tx,
      revision: this.changes.length > 0 ? this.revision : this.beginRevision,
      compactRevision: this.store.compactRevision,
    };
  }

  put(key: Uint8Array, value: Uint8Array, lease: bigint): KeyValue {
    assert(!this.ended, 'put after the write txn ended');
    const revision = { main: this.revision, sub: this.changes.length };
    const entry = this.store.index.entry(key);
    const previous = entry?.get(revision.main);
    const kv: KeyValue = {
      key,
      value,
      createRevision: previous === undefined ? revision.main : previous.created.main,
      modRevision: revision.main,
      version: (previous?.version ?? 0) + 1,
      lease,
    };
    this.tx.put('key', revisionToBytes(revision), encodeKeyValue(kv));
    this.store.index.putInto(entry, key, revision);
    this.changes.push({ type: 'PUT', kv });
    const oldLease = previous === undefined ? 0n : this.leases.leaseOf(key);
    if (oldLease !== lease) {
      if (oldLease !== 0n) this.leases.detach(oldLease, key);
      if (lease !== 0n) this.leases.attach(lease, key);
    }
    return kv;
  }

  /** Deletes every key in `range` that exists now; returns how many. */
  deleteRange(range: KeyRange): number {
    const keys: Uint8Array[] = [];
    this.store.index.range(range, this.view().revision, (k) => {
      keys.push(k.key);
    });
    for (const key of keys) this.delete(key);
    return keys.length;
  }

  /** Takes the revision if anything changed; returns the changes (the revision's events). */
  end(): Event[] {
    assert(!this.ended, 'write txn ended twice');
    this.ended = true;
    if (this.changes.length > 0) this.store.advanceRevision(this.revision);
    return this.changes;
  }

  private delete(key: Uint8Array): void {
    assert(!this.ended, 'delete after the write txn ended');
    const revision = { main: this.revision, sub: this.changes.length };
    // A tombstone stores the key and the deletion's revision, nothing else.
    const kv: KeyValue = {
      key,
      value: emptyBytes,
      createRevision: 0,
      modRevision: revision.main,
      version: 0,
      lease: 0n,
    };
    this.tx.put('key', revisionToBytes(revision, true), encodeKeyValue(kv));
    this.store.index.tombstone(key, revision);
    this.changes.push({ type: 'DELETE', kv });
    const lease = this.leases.leaseOf(key);
    if (lease !== 0n) this.leases.detach(lease, key);
  }
}
