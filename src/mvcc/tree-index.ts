/**
 * etcd's treeIndex: every key's KeyIndex in key order. It answers which revision of which key
 * a read at revision R sees, so Range touches the backend only for the KeyValues it returns.
 * It lives in memory and is rebuilt from the backend's `key` bucket on open.
 *
 * Keys are held as strings, one char per byte (bytesKey): a Uint8Array costs about 200 heap
 * bytes whatever its length (the view, its ArrayBuffer and the bytes), an 8-byte string 24,
 * and the index holds one per key for as long as the key has history.
 */
import { assert } from '../base/assert.js';
import { bytesKey, compareKeys, keyBytes } from './bytes.js';
import { KeyIndex, RevisionSet, type KeyIndexGet } from './key-index.js';
import type { KeyRange } from './key-range.js';
import type { Revision } from './revision.js';
import { SortedMap } from './sorted-map.js';

export interface IndexedKey extends KeyIndexGet {
  readonly key: Uint8Array;
}

export class TreeIndex {
  private readonly tree = new SortedMap<string, KeyIndex>(compareKeys);

  /** Keys held (live or with history not yet compacted). */
  get size(): number {
    return this.tree.size;
  }

  get(key: Uint8Array, atRev: number): KeyIndexGet | undefined {
    return this.tree.get(bytesKey(key))?.get(atRev);
  }

  put(key: Uint8Array, revision: Revision): void {
    this.putInto(this.entry(key), key, revision);
  }

  /**
   * `put` with the key's entry the caller has just looked up (`entry(key)`, undefined if the
   * key had none, the index unchanged since): a put's write txn reads the entry for the
   * key's previous version anyway, and a second search was a visible share of each apply.
   */
  putInto(entry: KeyIndex | undefined, key: Uint8Array, revision: Revision): void {
    let ki = entry;
    if (ki === undefined) {
      ki = new KeyIndex();
      this.tree.set(bytesKey(key), ki);
    }
    ki.put(revision);
  }

  tombstone(key: Uint8Array, revision: Revision): void {
    const ki = this.entry(key);
    assert(ki !== undefined, 'tombstone of a key the index does not hold');
    ki.tombstone(revision);
  }

  /** The entry of `key`, if any: restart replays stored history into it, a put extends it. */
  entry(key: Uint8Array): KeyIndex | undefined {
    return this.tree.get(bytesKey(key));
  }

  insert(key: Uint8Array, ki: KeyIndex): void {
    const k = bytesKey(key);
    assert(this.tree.get(k) === undefined, 'insert over an existing key index');
    this.tree.set(k, ki);
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
    this.tree.scan(bytesKey(range.start), endKey(range), (key, ki) => {
      const got = ki.get(atRev);
      if (got === undefined) return true;
      return visit({
        key: keyBytes(key),
        modified: got.modified,
        created: got.created,
        version: got.version,
      });
    });
  }

  /**
   * Keys in `range` that existed at `atRev`. Cheap: a walk over the index's arrays that
   * allocates nothing and reads no KeyValue (Range's `count` for a limited or count-only read).
   */
  count(range: KeyRange, atRev: number): number {
    if (range.single) return this.entry(range.start)?.existsAt(atRev) === true ? 1 : 0;
    return this.tree.countWhere(bytesKey(range.start), endKey(range), (ki) => ki.existsAt(atRev));
  }

  /**
   * Compacts every key at `atRev` (see KeyIndex.compact), drops keys left with no history,
   * and returns the revisions at or before `atRev` that survive: the backend deletes the rest.
   */
  compact(atRev: number): RevisionSet {
    const available = new RevisionSet();
    const empty: string[] = [];
    this.tree.scan('', undefined, (key, ki) => {
      ki.compact(atRev, available);
      if (ki.isEmpty()) empty.push(key);
    });
    for (const key of empty) this.tree.delete(key);
    return available;
  }

  /** What compact(atRev) would keep, changing nothing. */
  keep(atRev: number): RevisionSet {
    const available = new RevisionSet();
    this.tree.scan('', undefined, (_key, ki) => {
      ki.keep(atRev, available);
    });
    return available;
  }
}

function endKey(range: KeyRange): string | undefined {
  return range.end === undefined ? undefined : bytesKey(range.end);
}
