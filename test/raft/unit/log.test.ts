import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../../src/base/errors.js';
import { RaftLog } from '../../../src/raft/log.js';
import { MemoryStorage } from '../../../src/raft/storage.js';
import type { Entry } from '../../../src/raft/types.js';
import { ent, ents, ids } from './helpers.js';

/** A log whose storage holds `stored` (from index 1) and whose unstable part holds `fresh`. */
function raftLog(stored: Entry[], fresh: Entry[] = []): RaftLog {
  const storage = new MemoryStorage();
  storage.append(stored);
  const log = new RaftLog(storage, Infinity);
  if (fresh.length > 0) log.append(fresh);
  return log;
}

describe('RaftLog.findConflict', () => {
  // Log: 1/1 2/2 3/3 (etcd's TestFindConflict).
  const cases: { entries: Entry[]; want: number }[] = [
    { entries: [], want: 0 },
    { entries: ents(1, [1, 2, 3]), want: 0 },
    { entries: ents(2, [2, 3]), want: 0 },
    { entries: ents(1, [1, 2, 3, 4, 4]), want: 4 },
    { entries: ents(3, [3, 4, 4]), want: 4 },
    { entries: ents(1, [4, 4]), want: 1 },
    { entries: ents(2, [1, 4, 4]), want: 2 },
    { entries: ents(3, [1, 2, 4, 4]), want: 3 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(ids(c.entries))} -> ${c.want}`, () => {
      assert.equal(raftLog(ents(1, [1, 2, 3])).findConflict(c.entries), c.want);
    });
  }
});

describe('RaftLog.findConflictByTerm', () => {
  // Log after a snapshot at 10 (term 3): 11..15 with terms 3 3 4 4 4, 16 with term 6.
  const log = (): RaftLog => {
    const storage = new MemoryStorage();
    storage.applySnapshot({
      metadata: { index: 10, term: 3, confState: { voters: [1n], learners: [] } },
      data: new Uint8Array(),
    });
    storage.append(ents(11, [3, 3, 4, 4, 4, 6]));
    return new RaftLog(storage, Infinity);
  };
  const cases: { index: number; term: number; want: { index: number; term: number } }[] = [
    { index: 16, term: 6, want: { index: 16, term: 6 } },
    { index: 16, term: 5, want: { index: 15, term: 4 } },
    { index: 16, term: 4, want: { index: 15, term: 4 } },
    { index: 14, term: 3, want: { index: 12, term: 3 } },
    { index: 16, term: 2, want: { index: 9, term: 0 } },
    { index: 10, term: 3, want: { index: 10, term: 3 } },
    { index: 10, term: 2, want: { index: 9, term: 0 } },
  ];
  for (const c of cases) {
    it(`(${c.index}, term ${c.term}) -> ${c.want.index}/${c.want.term}`, () => {
      assert.deepEqual(log().findConflictByTerm(c.index, c.term), c.want);
    });
  }

  it('walks down to index 0 of an unbootstrapped log', () => {
    assert.deepEqual(raftLog(ents(1, [2, 2])).findConflictByTerm(2, 1), { index: 0, term: 0 });
  });
});

describe('RaftLog.maybeAppend', () => {
  // Log: 1/1 2/2 3/3, committed 1 (etcd's TestLogMaybeAppend).
  const cases: {
    name: string;
    logTerm: number;
    index: number;
    commit: number;
    entries: Entry[];
    want: number | undefined;
    committed: number;
    last: number;
  }[] = [
    {
      name: 'term mismatch',
      logTerm: 2,
      index: 3,
      commit: 3,
      entries: ents(4, [4]),
      want: undefined,
      committed: 1,
      last: 3,
    },
    {
      name: 'index beyond last',
      logTerm: 3,
      index: 4,
      commit: 3,
      entries: ents(5, [4]),
      want: undefined,
      committed: 1,
      last: 3,
    },
    {
      name: 'heartbeat-like',
      logTerm: 3,
      index: 3,
      commit: 3,
      entries: [],
      want: 3,
      committed: 3,
      last: 3,
    },
    {
      name: 'commit capped by the new entries',
      logTerm: 3,
      index: 3,
      commit: 4,
      entries: [],
      want: 3,
      committed: 3,
      last: 3,
    },
    {
      name: 'commit below ours is ignored',
      logTerm: 3,
      index: 3,
      commit: 0,
      entries: [],
      want: 3,
      committed: 1,
      last: 3,
    },
    {
      name: 'append',
      logTerm: 3,
      index: 3,
      commit: 4,
      entries: ents(4, [4]),
      want: 4,
      committed: 4,
      last: 4,
    },
    {
      name: 'append two',
      logTerm: 3,
      index: 3,
      commit: 5,
      entries: ents(4, [4, 4]),
      want: 5,
      committed: 5,
      last: 5,
    },
    {
      name: 'stale prefix',
      logTerm: 1,
      index: 1,
      commit: 2,
      entries: ents(2, [2]),
      want: 2,
      committed: 2,
      last: 3,
    },
    {
      name: 'conflict truncates',
      logTerm: 2,
      index: 2,
      commit: 3,
      entries: ents(3, [4]),
      want: 3,
      committed: 3,
      last: 3,
    },
    {
      name: 'conflict in the middle',
      logTerm: 1,
      index: 1,
      commit: 3,
      entries: ents(2, [4, 4]),
      want: 3,
      committed: 3,
      last: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const log = raftLog(ents(1, [1, 2, 3]));
      log.commitTo(1);
      assert.equal(log.maybeAppend(c.index, c.logTerm, c.commit, c.entries), c.want);
      assert.equal(log.committed, c.committed);
      assert.equal(log.lastIndex(), c.last);
    });
  }

  it('refuses to overwrite a committed entry', () => {
    const log = raftLog(ents(1, [1, 2, 3]));
    log.commitTo(2);
    assert.throws(() => log.maybeAppend(1, 1, 3, ents(2, [4])), /conflicts with committed/);
  });
});

describe('RaftLog commit and apply', () => {
  it('commitTo never moves back, and never past the last index', () => {
    const log = raftLog(ents(1, [1, 2, 3]));
    log.commitTo(3);
    log.commitTo(2);
    assert.equal(log.committed, 3);
    assert.throws(() => log.commitTo(4), /out of range/);
  });

  it('maybeCommit commits only an entry of the given term (paper 5.4.2)', () => {
    const log = raftLog(ents(1, [1, 1, 2]));
    assert.equal(log.maybeCommit(2, 2), false);
    assert.equal(log.committed, 0);
    assert.equal(log.maybeCommit(3, 2), true);
    assert.equal(log.committed, 3);
    assert.equal(log.maybeCommit(3, 2), false);
  });

  it('hands out committed entries once, from storage and unstable', () => {
    const log = raftLog(ents(1, [1, 1]), ents(3, [2]));
    assert.deepEqual(log.nextCommittedEntries(), []);
    log.commitTo(3);
    assert.deepEqual(ids(log.nextCommittedEntries()), [
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
    log.appliedTo(2);
    assert.deepEqual(ids(log.nextCommittedEntries()), [[3, 2]]);
    assert.throws(() => log.appliedTo(1), /out of range/);
  });

  it('isUpToDate compares last term, then last index (paper 5.4.1)', () => {
    const log = raftLog(ents(1, [1, 2, 2]));
    assert.equal(log.isUpToDate(1, 3), true);
    assert.equal(log.isUpToDate(3, 2), true);
    assert.equal(log.isUpToDate(4, 2), true);
    assert.equal(log.isUpToDate(2, 2), false);
    assert.equal(log.isUpToDate(9, 1), false);
  });
});

describe('RaftLog.slice', () => {
  // Stored 1..3, unstable 4..5; every entry is 24 + 1 bytes.
  const log = (): RaftLog =>
    raftLog([ent(1, 1, 'a'), ent(2, 1, 'b'), ent(3, 1, 'c')], [ent(4, 2, 'd'), ent(5, 2, 'e')]);
  const cases: { lo: number; hi: number; max: number; want: number[] }[] = [
    { lo: 1, hi: 6, max: Infinity, want: [1, 2, 3, 4, 5] },
    { lo: 2, hi: 5, max: Infinity, want: [2, 3, 4] },
    { lo: 4, hi: 6, max: Infinity, want: [4, 5] },
    { lo: 1, hi: 6, max: 0, want: [1] },
    { lo: 1, hi: 6, max: 50, want: [1, 2] },
    { lo: 2, hi: 6, max: 75, want: [2, 3, 4] },
    { lo: 3, hi: 6, max: 50, want: [3, 4] },
    { lo: 4, hi: 6, max: 1, want: [4] },
    { lo: 3, hi: 3, max: Infinity, want: [] },
  ];
  for (const c of cases) {
    it(`[${c.lo}, ${c.hi}) within ${c.max} bytes`, () => {
      assert.deepEqual(
        log()
          .slice(c.lo, c.hi, c.max)
          .map((e) => e.index),
        c.want,
      );
    });
  }

  it('throws Compacted below the first index and asserts past the last', () => {
    const storage = new MemoryStorage();
    storage.append(ents(1, [1, 1, 1, 1]));
    storage.compact(2);
    const log = new RaftLog(storage, Infinity);
    assert.throws(
      () => log.slice(2, 4, Infinity),
      (e: unknown) => isConcordError(e, 'Compacted'),
    );
    assert.throws(() => log.slice(3, 6, Infinity), /out of bound/);
    assert.equal(log.term(1), undefined);
    assert.equal(log.term(2), 1);
    assert.equal(log.term(5), undefined);
    assert.deepEqual(log.entriesFrom(5, Infinity), []);
  });
});

describe('RaftLog.stableTo', () => {
  it('moves persisted entries out of unstable, unless they were replaced', () => {
    const log = raftLog(ents(1, [1]), ents(2, [1, 1]));
    log.stableTo(2, 1);
    assert.equal(log.lastStableIndex(), 2);
    log.append(ents(3, [2]));
    log.stableTo(3, 1); // the term-1 entry at 3 was replaced before its write finished
    assert.equal(log.lastStableIndex(), 2);
    assert.deepEqual(ids(log.unstableEntries()), [[3, 2]]);
  });
});
