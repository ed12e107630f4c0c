/**
 * etcd's keyIndex: the revisions of one key, as generations. A generation runs from a put
 * that creates the key to the delete (tombstone) that ends it; the last generation is open
 * (empty after a delete, waiting for the next creation). From these, Range answers "what was
 * this key's revision, create revision and version at revision R" without touching the
 * backend, and compaction decides which revisions to keep.
 *
 * Example (etcd's): put at 1, 2, delete at 3, put at 4, 5, delete at 6:
 *   generations = [{1, 2, 3(t)}, {4, 5, 6(t)}, {empty}]
 */
import { assert } from '../base/assert.js';
import { compareRevision, type Revision } from './revision.js';

interface Generation {
  /** Versions in this generation: revs.length, or more after compaction trimmed revs. */
  version: number;
  /** The revision that created this generation (its first put, even once compacted). */
  created: Revision;
  // Invariant: ascending; for every generation but the last, the final one is a tombstone.
  revs: Revision[];
}

export interface KeyIndexGet {
  readonly modified: Revision;
  readonly created: Revision;
  readonly version: number;
}

const noRevision: Revision = { main: 0, sub: 0 };

export class KeyIndex {
  /** The last modification (put or tombstone). */
  modified: Revision = noRevision;
  // Invariant: never empty once the first put happened.
  private generations: Generation[] = [];

  constructor(readonly key: Uint8Array) {}

  /** Rebuilds an index entry from a stored KeyValue (etcd's restore), after a restart. */
  static restore(key: Uint8Array, created: Revision, modified: Revision, version: number) {
    const ki = new KeyIndex(key);
    ki.modified = modified;
    ki.generations = [{ version, created, revs: [modified] }];
    return ki;
  }

  put(revision: Revision): void {
    assert(
      compareRevision(revision, this.modified) > 0,
      () => `keyIndex put ${str(revision)} not after ${str(this.modified)}`,
    );
    // Arrays are made as literals of what they hold: a first push into [] reserves room for
    // 17, and most keys are written once, so the two arrays were half of a new key's bytes.
    if (this.generations.length === 0) {
      this.generations = [{ version: 1, created: revision, revs: [revision] }];
    } else {
      const g = this.generations[this.generations.length - 1]!;
      if (g.revs.length === 0) {
        g.created = revision;
        g.revs = [revision];
      } else {
        g.revs.push(revision);
      }
      g.version++;
    }
    this.modified = revision;
  }

  /** Ends the current generation with a delete at `revision`. The key must be live. */
  tombstone(revision: Revision): void {
    assert(!this.isEmpty(), 'keyIndex tombstone on an empty index');
    assert(this.isLive(), 'keyIndex tombstone on a deleted key');
    this.put(revision);
    this.generations.push(emptyGeneration());
  }

  /** Whether the key exists now (its last generation is open and non-empty). */
  isLive(): boolean {
    const last = this.generations[this.generations.length - 1];
    return last !== undefined && last.revs.length > 0;
  }

  isEmpty(): boolean {
    return (
      this.generations.length === 0 ||
      (this.generations.length === 1 && isEmptyGen(this.generations[0]!))
    );
  }

  /** The key's state at main revision `atRev`, or undefined if it did not exist then. */
  get(atRev: number): KeyIndexGet | undefined {
    const g = this.findGeneration(atRev);
    if (g === undefined) return undefined;
    const n = lastAtOrBefore(g.revs, atRev);
    if (n === -1) return undefined;
    return {
      modified: g.revs[n]!,
      created: g.created,
      version: g.version - (g.revs.length - n - 1),
    };
  }

  /** Whether the key existed at main revision `atRev`: get(atRev) !== undefined, allocating nothing. */
  existsAt(atRev: number): boolean {
    // At or after the last change, the key exists exactly when it is live.
    if (atRev >= this.modified.main) return this.isLive();
    return this.findGeneration(atRev) !== undefined;
  }

  /**
   * Compacts away every revision that no read at or after `atRev` can see, adding the ones
   * that stay (the latest revision at or before `atRev` of the surviving generation) to
   * `available`. Unlike etcd <= 3.5.15, a tombstone at exactly `atRev` stays (etcd fixed the
   * same way later): a watcher starting at `atRev` must still see that delete.
   */
  compact(atRev: number, available: RevisionSet): void {
    if (this.isEmpty()) return;
    const { genIdx, revIndex } = this.doCompact(atRev, available);
    const g = this.generations[genIdx]!;
    if (!isEmptyGen(g) && revIndex !== -1) g.revs = g.revs.slice(revIndex);
    this.generations = this.generations.slice(genIdx);
  }

  /** What compact(atRev) would keep, without changing anything (for HashKV). */
  keep(atRev: number, available: RevisionSet): void {
    if (!this.isEmpty()) this.doCompact(atRev, available);
  }

  /** Every revision held, oldest first (tests and invariant checks). */
  revisions(): Revision[] {
    return this.generations.flatMap((g) => g.revs);
  }

  private doCompact(atRev: number, available: RevisionSet): { genIdx: number; revIndex: number } {
    let genIdx = 0;
    // The first generation that includes atRev or was created after it.
    while (genIdx < this.generations.length - 1) {
      const g = this.generations[genIdx]!;
      const tomb = g.revs[g.revs.length - 1]!.main;
      if (tomb >= atRev) break;
      genIdx++;
    }
    const g = this.generations[genIdx]!;
    const revIndex = lastAtOrBefore(g.revs, atRev);
    if (revIndex !== -1) available.add(g.revs[revIndex]!);
    return { genIdx, revIndex };
  }

  private findGeneration(atRev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let cg = last; cg >= 0; cg--) {
      const g = this.generations[cg]!;
      if (g.revs.length === 0) continue;
      // A closed generation whose tombstone is at or before atRev: the key was deleted then.
      if (cg !== last && g.revs[g.revs.length - 1]!.main <= atRev) return undefined;
      if (g.revs[0]!.main <= atRev) return g;
    }
    return undefined;
  }
}

/** A set of revisions, keyed so lookups by value work. */
export class RevisionSet {
  private readonly set = new Set<string>();

  add(revision: Revision): void {
    this.set.add(`${revision.main}_${revision.sub}`);
  }

  has(revision: Revision): boolean {
    return this.set.has(`${revision.main}_${revision.sub}`);
  }

  get size(): number {
    return this.set.size;
  }
}

function emptyGeneration(): Generation {
  return { version: 0, created: noRevision, revs: [] };
}

function isEmptyGen(g: Generation): boolean {
  return g.revs.length === 0;
}

/** The index of the last revision with main <= atRev, or -1. */
function lastAtOrBefore(revs: readonly Revision[], atRev: number): number {
  let lo = 0;
  let hi = revs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (revs[mid]!.main <= atRev) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function str(r: Revision): string {
  return `{${r.main} ${r.sub}}`;
}
