/**
 * etcd's treeIndex: every key's KeyIndex in key order. It answers which revision of which key
 * a read at revision R sees, so Range touches the backend only for the KeyValues it returns.
 * It lives in memory and is rebuilt from the backend's `key` bucket on open.
 */
import { assert } from '../base/assert.js';
import { copyBytes } from './bytes.js';
import { KeyIndex, RevisionSet, type KeyIndexGet } from './key-index.js';
import type { KeyRange } from './key-range.js';
import type { Revision } from './revision.js';
import { SortedMap } from './sorted-map.js';

export interface IndexedKey extends KeyIndexGet {
  readonly key: Uint8Array;
}

export class TreeIndex {
  private readonly tree = new SortedMap<KeyIndex>();

  /** Keys held (live or with history not yet compacted). */
  get size(): number {
    return this.tree.size;
  }

  get(key: Uint8Array, atRev: number): KeyIndexGet | undefined {
    return this.tree.get(key)?.get(atRev);
  }

  put(key: Uint8Array, revision: Revision): void {
    this.putInto(this.tree.get(key), key, revision);
  }

  /**
   * `put` with the key's entry the caller has just looked up (`entry(key)`, undefined if the
   * key had none, the index unchanged since): a put's write txn reads the entry for the
   * key's previous version anyway, and a second search was a visible share of each apply.
   */
  putInto(entry: KeyIndex | undefined, key: Uint8Array, revision: Revision): void {
    let ki = entry;
    if (ki === undefined) {
      // A copy: request keys are views into Raft entry buffers the index must not pin.
      ki = new KeyIndex(copyBytes(key));
      this.tree.set(ki.key, ki);
    }
    ki.put(revision);
  }

  tombstone(key: Uint8Array, revision: Revision): void {
    const ki = this.tree.get(key);
    assert(ki !== undefined, 'tombstone of a key the index does not hold');
    ki.tombstone(revision);
  }

  /** The entry of `key`, if any: restart replays stored history into it, a put extends it. */
  entry(key: Uint8Array): KeyIndex | undefined {
    return this.tree.get(key);
  }

  insert(ki: KeyIndex): void {
    assert(this.tree.get(ki.key) === undefined, 'insert over an existing key index');
    this.tree.set(ki.key, ki);
  }

  /**
   * Visits, in key order, every key in `range` that existed at `atRev`, with its revision
   * then. Stops when `visit` returns false.
   */
  range(range: KeyRange, atRev: number, visit: (key: IndexedKey) => boolean | void): void {
    if (range.single) {
      const got = this.get(range.start, atRev);
      if (got !== undefined) visit({ key: range.start, ...got });
      return;
    }
    this.tree.scan(range.start, range.end, (key, ki) => {
      const got = ki.get(atRev);
      if (got === undefined) return true;
      return visit({ key, modified: got.modified, created: got.created, version: got.version });
    });
  }

  /**
   * Keys in `range` that existed at `atRev`. Cheap: a walk over the index's arrays that
   * allocates nothing and reads no KeyValue (Range's `count` for a limited or count-only read).
   */
  count(range: KeyRange, atRev: number): number {
    if (range.single) return this.tree.get(range.start)?.existsAt(atRev) === true ? 1 : 0;
    return this.tree.countWhere(range.start, range.end, (ki) => ki.existsAt(atRev));
  }

  /**
   * Compacts every key at `atRev` (see KeyIndex.compact), drops keys left with no history,
   * and returns the revisions at or before `atRev` that survive: the backend deletes the rest.
   */
  compact(atRev: number): RevisionSet {
    const available = new RevisionSet();
    const empty: Uint8Array[] = [];
    this.tree.scan(new Uint8Array(0), undefined, (key, ki) => {
      ki.compact(atRev, available);
      if (ki.isEmpty()) empty.push(key);
    });
    for (const key of empty) this.tree.delete(key);
    return available;
  }

  /** What compact(atRev) would keep, changing nothing. */
  keep(atRev: number): RevisionSet {
    const available = new RevisionSet();
    this.tree.scan(new Uint8Array(0), undefined, (_key, ki) => {
      ki.keep(atRev, available);
    });
    return available;
  }
}
