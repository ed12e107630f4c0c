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
import type { Revision } from './revision.js';

/**
 * A generation's revisions are held flat, `[main0, sub0, main1, sub1, ...]`: the index keeps
 * every revision until compaction, and an object per revision (plus an array that grows by
 * 17 slots at its first push) was most of what each put left on the heap for the garbage
 * collector to copy and promote.
 */
interface Generation {
  /** Versions in this generation: revs.length / 2, or more after compaction trimmed revs. */
  version: number;
  /** The revision that created this generation (its first put, even once compacted). */
  createdMain: number;
  createdSub: number;
  // Invariant: ascending pairs; for every generation but the last, the final one is a tombstone.
  revs: number[];
}

export interface KeyIndexGet {
  readonly modified: Revision;
  readonly created: Revision;
  readonly version: number;
}

/** Up to this many numbers, a generation's revs grow by an exact copy instead of a push. */
const exactGrowthMax = 16;

export class KeyIndex {
  /** The last modification (put or tombstone): 0 before the first put. */
  private modifiedMain = 0;
  private modifiedSub = 0;
  // Invariant: never empty once the first put happened.
  private generations: Generation[] = [];

  /** Rebuilds an index entry from a stored KeyValue (etcd's restore), after a restart. */
  static restore(created: Revision, modified: Revision, version: number) {
    const ki = new KeyIndex();
    ki.modifiedMain = modified.main;
    ki.modifiedSub = modified.sub;
    ki.generations = [
      {
        version,
        createdMain: created.main,
        createdSub: created.sub,
        revs: [modified.main, modified.sub],
      },
    ];
    return ki;
  }

  put(revision: Revision): void {
    const { main, sub } = revision;
    assert(
      main !== this.modifiedMain ? main > this.modifiedMain : sub > this.modifiedSub,
      () => `keyIndex put ${str(main, sub)} not after ${str(this.modifiedMain, this.modifiedSub)}`,
    );
    // Arrays are made as literals of what they hold: most keys are written once or a few times
    // between compactions, and a first push into an array reserves room for 17 more.
    if (this.generations.length === 0) {
      this.generations = [{ version: 1, createdMain: main, createdSub: sub, revs: [main, sub] }];
    } else {
      const g = this.generations[this.generations.length - 1]!;
      if (g.revs.length === 0) {
        g.createdMain = main;
        g.createdSub = sub;
        g.revs = [main, sub];
      } else if (g.revs.length < exactGrowthMax) {
        g.revs = g.revs.concat(main, sub);
      } else {
        g.revs.push(main, sub);
      }
      g.version++;
    }
    this.modifiedMain = main;
    this.modifiedSub = sub;
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
      modified: { main: g.revs[n]!, sub: g.revs[n + 1]! },
      created: { main: g.createdMain, sub: g.createdSub },
      version: g.version - (g.revs.length - n - 2) / 2,
    };
  }

  /** Whether the key existed at main revision `atRev`: get(atRev) !== undefined, allocating nothing. */
  existsAt(atRev: number): boolean {
    // At or after the last change, the key exists exactly when it is live.
    if (atRev >= this.modifiedMain) return this.isLive();
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
    const out: Revision[] = [];
    for (const g of this.generations)
      for (let i = 0; i < g.revs.length; i += 2)
        out.push({ main: g.revs[i]!, sub: g.revs[i + 1]! });
    return out;
  }

  /** `revIndex` is the position of the kept revision's main in its generation's revs, or -1. */
  private doCompact(atRev: number, available: RevisionSet): { genIdx: number; revIndex: number } {
    let genIdx = 0;
    // The first generation that includes atRev or was created after it.
    while (genIdx < this.generations.length - 1) {
      const g = this.generations[genIdx]!;
      const tomb = g.revs[g.revs.length - 2]!;
      if (tomb >= atRev) break;
      genIdx++;
    }
    const g = this.generations[genIdx]!;
    const revIndex = lastAtOrBefore(g.revs, atRev);
    if (revIndex !== -1) available.add({ main: g.revs[revIndex]!, sub: g.revs[revIndex + 1]! });
    return { genIdx, revIndex };
  }

  private findGeneration(atRev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let cg = last; cg >= 0; cg--) {
      const g = this.generations[cg]!;
      if (g.revs.length === 0) continue;
      // A closed generation whose tombstone is at or before atRev: the key was deleted then.
      if (cg !== last && g.revs[g.revs.length - 2]! <= atRev) return undefined;
      if (g.revs[0]! <= atRev) return g;
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
  return { version: 0, createdMain: 0, createdSub: 0, revs: [] };
}

function isEmptyGen(g: Generation): boolean {
  return g.revs.length === 0;
}

/** The position in `revs` (pairs) of the last revision with main <= atRev, or -1. */
function lastAtOrBefore(revs: readonly number[], atRev: number): number {
  let lo = 0;
  let hi = revs.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (revs[2 * mid]! <= atRev) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -1 : 2 * (lo - 1);
}

function str(main: number, sub: number): string {
  return `{${main} ${sub}}`;
}
