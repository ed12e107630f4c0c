/**
 * A set of watchers indexed for event matching (etcd's watcherGroup): single-key watchers in
 * a map by key, range watchers in a list scanned per event. etcd keeps ranges in an interval
 * tree; a list is simpler and fine while range watchers number in the hundreds per member.
 */
import { bytesKey } from './bytes.js';
import { inKeyRange, type KeyRange } from './key-range.js';

export interface GroupMember {
  readonly range: KeyRange;
}

export class WatcherGroup<W extends GroupMember> {
  private readonly byKey = new Map<string, Set<W>>();
  private readonly ranges = new Set<W>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(w: W): void {
    if (w.range.single) {
      const k = bytesKey(w.range.start);
      let set = this.byKey.get(k);
      if (set === undefined) this.byKey.set(k, (set = new Set()));
      if (set.has(w)) return;
      set.add(w);
    } else {
      if (this.ranges.has(w)) return;
      this.ranges.add(w);
    }
    this.count++;
  }

  delete(w: W): boolean {
    let removed: boolean;
    if (w.range.single) {
      const k = bytesKey(w.range.start);
      const set = this.byKey.get(k);
      removed = set?.delete(w) ?? false;
      if (set !== undefined && set.size === 0) this.byKey.delete(k);
    } else removed = this.ranges.delete(w);
    if (removed) this.count--;
    return removed;
  }

  has(w: W): boolean {
    return w.range.single
      ? (this.byKey.get(bytesKey(w.range.start))?.has(w) ?? false)
      : this.ranges.has(w);
  }

  /** Calls `visit` for every watcher whose key or range holds `key`. */
  matching(key: Uint8Array, visit: (w: W) => void): void {
    const set = this.byKey.get(bytesKey(key));
    if (set !== undefined) for (const w of set) visit(w);
    for (const w of this.ranges) if (inKeyRange(w.range, key)) visit(w);
  }

  all(): IterableIterator<W> {
    const out = new Set<W>(this.ranges);
    for (const set of this.byKey.values()) for (const w of set) out.add(w);
    return out.values();
  }
}
