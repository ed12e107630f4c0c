import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Unstable } from '../../../src/raft/unstable.js';
import type { Snapshot } from '../../../src/raft/types.js';
import { ents, ids } from './helpers.js';

function snap(index: number, term: number): Snapshot {
  return {
    metadata: { index, term, confState: { voters: [1n], learners: [] } },
    data: new Uint8Array(),
  };
}

function unstable(offset: number, terms: number[], snapshot?: Snapshot): Unstable {
  const u = new Unstable(offset);
  u.entries = ents(offset, terms);
  u.snapshot = snapshot;
  return u;
}

describe('Unstable', () => {
  it('knows its first index only from a snapshot, its last from entries or snapshot', () => {
    assert.equal(unstable(5, [1]).maybeFirstIndex(), undefined);
    assert.equal(unstable(5, [1], snap(4, 1)).maybeFirstIndex(), 5);
    assert.equal(unstable(5, [1, 1]).maybeLastIndex(), 6);
    assert.equal(unstable(5, [], snap(4, 1)).maybeLastIndex(), 4);
    assert.equal(unstable(5, []).maybeLastIndex(), undefined);
  });

  const terms: { index: number; want: number | undefined; u: () => Unstable }[] = [
    { index: 5, want: 1, u: () => unstable(5, [1]) },
    { index: 6, want: undefined, u: () => unstable(5, [1]) },
    { index: 4, want: undefined, u: () => unstable(5, [1]) },
    { index: 4, want: 1, u: () => unstable(5, [1], snap(4, 1)) },
    { index: 3, want: undefined, u: () => unstable(5, [1], snap(4, 1)) },
  ];
  for (const c of terms) {
    it(`maybeTerm(${c.index}) -> ${c.want}`, () => assert.equal(c.u().maybeTerm(c.index), c.want));
  }

  it('stableTo drops entries up to a persisted one of the same term only', () => {
    const u = unstable(5, [1, 1, 2]);
    u.stableTo(6, 2); // term mismatch: replaced meanwhile
    assert.equal(u.offset, 5);
    u.stableTo(4, 1); // before the unstable entries
    assert.equal(u.offset, 5);
    u.stableTo(6, 1);
    assert.equal(u.offset, 7);
    assert.deepEqual(ids(u.entries), [[7, 2]]);
  });

  it('stableTo ignores an index that matches only the snapshot', () => {
    const u = unstable(5, [1], snap(4, 1));
    u.stableTo(4, 1);
    assert.equal(u.offset, 5);
    u.stableSnapTo(3);
    assert.notEqual(u.snapshot, undefined);
    u.stableSnapTo(4);
    assert.equal(u.snapshot, undefined);
  });

  const appends: {
    name: string;
    first: number;
    terms: number[];
    offset: number;
    want: number[][];
  }[] = [
    {
      name: 'directly after',
      first: 7,
      terms: [1],
      offset: 5,
      want: [
        [5, 1],
        [6, 1],
        [7, 1],
      ],
    },
    {
      name: 'replacing all',
      first: 5,
      terms: [2, 2],
      offset: 5,
      want: [
        [5, 2],
        [6, 2],
      ],
    },
    {
      name: 'before the offset',
      first: 4,
      terms: [2, 2, 2],
      offset: 4,
      want: [
        [4, 2],
        [5, 2],
        [6, 2],
      ],
    },
    {
      name: 'truncating the tail',
      first: 6,
      terms: [2, 2],
      offset: 5,
      want: [
        [5, 1],
        [6, 2],
        [7, 2],
      ],
    },
  ];
  for (const c of appends) {
    it(`truncateAndAppend: ${c.name}`, () => {
      const u = unstable(5, [1, 1]);
      u.truncateAndAppend(ents(c.first, c.terms));
      assert.equal(u.offset, c.offset);
      assert.deepEqual(ids(u.entries), c.want);
    });
  }

  it('restore replaces everything with the snapshot', () => {
    const u = unstable(5, [1, 1]);
    u.restore(snap(9, 3));
    assert.equal(u.offset, 10);
    assert.deepEqual(u.entries, []);
    assert.equal(u.maybeLastIndex(), 9);
    assert.equal(u.maybeTerm(9), 3);
  });

  it('slices within its entries only', () => {
    const u = unstable(5, [1, 1, 2]);
    assert.deepEqual(ids(u.slice(6, 8)), [
      [6, 1],
      [7, 2],
    ]);
    assert.throws(() => u.slice(4, 6), /out of/);
    assert.throws(() => u.slice(6, 9), /out of/);
  });
});
