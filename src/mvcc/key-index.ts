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
 * One generation. Its revisions are held flat, `[main0, sub0, main1, sub1, ...]`: the index
 * keeps every revision until compaction, and an object per revision (plus an array that grows
 * by 17 slots at its first push) was most of what each put left on the heap for the garbage
 * collector to copy and promote.
 */
class Generation {
  /** Versions in this generation: revs.length / 2, or more after compaction trimmed revs. */
  version = 0;
  /** The revision that created this generation (its first put, even once compacted). */
  createdMain = 0;
  createdSub = 0;
  // Invariant: ascending pairs; for a closed generation, the final one is a tombstone.
  revs: readonly number[] = noRevs;
}

const noRevs: readonly number[] = Object.freeze([]);
const noGenerations: readonly Generation[] = Object.freeze([]);

export interface KeyIndexGet {
  readonly modified: Revision;
  readonly created: Revision;
  readonly version: number;
}

/** Up to this many numbers, a generation's revs grow by an exact copy instead of a push. */
const exactGrowthMax = 16;

/**
 * A key's index entry is its open generation (the fields it extends Generation with, used
 * only in this file), plus the closed ones before it: most keys never have any, so the one
 * object, its revs and the shared empty `closed` are the whole entry.
 */
export class KeyIndex extends Generation {
  /** The last modification (put or tombstone): 0 before the first put. */
  private modifiedMain = 0;
  private modifiedSub = 0;
  // Invariant: each ends in a tombstone, oldest first.
  private closed: readonly Generation[] = noGenerations;

  /** Rebuilds an index entry from a stored KeyValue (etcd's restore), after a restart. */
  static restore(created: Revision, modified: Revision, version: number) {
    const ki = new KeyIndex();
    ki.modifiedMain = modified.main;
    ki.modifiedSub = modified.sub;
    ki.version = version;
    ki.createdMain = created.main;
    ki.createdSub = created.sub;
    ki.revs = [modified.main, modified.sub];
    return ki;
  }

  put(revision: Revision): void {
    const { main, sub } = revision;
    assert(
      main !== this.modifiedMain ? main > this.modifiedMain : sub > this.modifiedSub,
      () => `keyIndex put ${str(main, sub)} not after ${str(this.modifiedMain, this.modifiedSub)}`,
    );
    if (this.revs.length === 0) {
      this.createdMain = main;
      this.createdSub = sub;
      this.revs = [main, sub];
    } else if (this.revs.length < exactGrowthMax) {
      // An exact copy: most keys are written a few times between compactions, and a first
      // push into an array reserves room for 17 more.
      this.revs = this.revs.concat(main, sub);
    } else {
      (this.revs as number[]).push(main, sub);
    }
    this.version++;
    this.modifiedMain = main;
    this.modifiedSub = sub;
  }

  /** Ends the current generation with a delete at `revision`. The key must be live. */
  tombstone(revision: Revision): void {
    assert(this.isLive(), 'keyIndex tombstone on a deleted or empty key');
    this.put(revision);
    const done = new Generation();
    done.version = this.version;
    done.createdMain = this.createdMain;
    done.createdSub = this.createdSub;
    done.revs = this.revs;
    this.closed = [...this.closed, done];
    this.version = 0;
    this.createdMain = 0;
    this.createdSub = 0;
    this.revs = noRevs;
  }

  /** Whether the key exists now (its open generation is non-empty). */
  isLive(): boolean {
    return this.revs.length > 0;
  }

  isEmpty(): boolean {
    return this.closed.length === 0 && this.revs.length === 0;
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
    const g = this.generation(genIdx);
    if (g.revs.length > 0 && revIndex !== -1) g.revs = g.revs.slice(revIndex);
    this.closed = genIdx === 0 ? this.closed : this.closed.slice(genIdx);
  }

  /** What compact(atRev) would keep, without changing anything (for HashKV). */
  keep(atRev: number, available: RevisionSet): void {
    if (!this.isEmpty()) this.doCompact(atRev, available);
  }

  /** Every revision held, oldest first (tests and invariant checks). */
  revisions(): Revision[] {
    const out: Revision[] = [];
    for (const g of [...this.closed, this]) {
      for (let i = 0; i < g.revs.length; i += 2)
        out.push({ main: g.revs[i]!, sub: g.revs[i + 1]! });
    }
    return out;
  }

  /** Generation `i`, oldest first: the closed ones, then the open one (this). */
  private generation(i: number): Generation {
    return i < this.closed.length ? this.closed[i]! : this;
  }

  /** `revIndex` is the position of the kept revision's main in its generation's revs, or -1. */
  private doCompact(atRev: number, available: RevisionSet): { genIdx: number; revIndex: number } {
    let genIdx = 0;
    // The first generation that includes atRev or was created after it.
    while (genIdx < this.closed.length) {
      const g = this.closed[genIdx]!;
      const tomb = g.revs[g.revs.length - 2]!;
      if (tomb >= atRev) break;
      genIdx++;
    }
    const g = this.generation(genIdx);
    const revIndex = lastAtOrBefore(g.revs, atRev);
    if (revIndex !== -1) available.add({ main: g.revs[revIndex]!, sub: g.revs[revIndex + 1]! });
    return { genIdx, revIndex };
  }

  private findGeneration(atRev: number): Generation | undefined {
    if (this.revs.length > 0 && this.revs[0]! <= atRev) return this;
    for (let cg = this.closed.length - 1; cg >= 0; cg--) {
      const g = this.closed[cg]!;
      // Deleted at or before atRev: the key did not exist then (later ones started after).
      if (g.revs[g.revs.length - 2]! <= atRev) return undefined;
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
