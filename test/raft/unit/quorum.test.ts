import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../../src/base/prng.js';
import { majorityCommitted, majorityVoteResult } from '../../../src/raft/quorum.js';

describe('majorityCommitted', () => {
  const cases: { matches: number[]; want: number }[] = [
    { matches: [5], want: 5 },
    { matches: [5, 3], want: 3 },
    { matches: [5, 3, 1], want: 3 },
    { matches: [5, 5, 1], want: 5 },
    { matches: [1, 2, 3, 4], want: 2 },
    { matches: [9, 8, 0, 0, 7], want: 7 },
    { matches: [9, 8, 0, 0, 0], want: 0 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.matches)} -> ${c.want}`, () => {
      const voters = c.matches.map((_, i) => BigInt(i + 1));
      assert.equal(
        majorityCommitted(voters, (id) => c.matches[Number(id) - 1]!),
        c.want,
      );
    });
  }

  it('agrees with sorting on every order of 1 to 7 voters (seeded)', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 2000; round++) {
      const matches = Array.from({ length: 1 + rng.int(7) }, () => rng.int(6));
      const voters = matches.map((_, i) => BigInt(i + 1));
      const want = [...matches].sort((a, b) => b - a)[Math.floor(matches.length / 2)];
      assert.equal(
        majorityCommitted(voters, (id) => matches[Number(id) - 1]!),
        want,
        JSON.stringify(matches),
      );
    }
  });

  it('treats a voter without progress as having nothing', () => {
    assert.equal(
      majorityCommitted([1n, 2n, 3n], (id) => (id === 1n ? 9 : 0)),
      0,
    );
  });
});

describe('majorityVoteResult', () => {
  // y = granted, n = rejected, _ = not yet answered.
  const cases: { votes: string; want: string }[] = [
    { votes: 'y', want: 'Won' },
    { votes: 'n', want: 'Lost' },
    { votes: '_', want: 'Pending' },
    { votes: 'y_', want: 'Pending' },
    { votes: 'yn', want: 'Lost' },
    { votes: 'yy', want: 'Won' },
    { votes: 'y__', want: 'Pending' },
    { votes: 'yy_', want: 'Won' },
    { votes: 'yn_', want: 'Pending' },
    { votes: 'ynn', want: 'Lost' },
    { votes: 'yy__', want: 'Pending' },
    { votes: 'yyy_', want: 'Won' },
    { votes: 'ynn_', want: 'Lost' },
    { votes: 'yyn_n', want: 'Pending' },
    { votes: 'yynnn', want: 'Lost' },
    { votes: 'yyn_y', want: 'Won' },
  ];
  for (const c of cases) {
    it(`${c.votes} -> ${c.want}`, () => {
      const voters = [...c.votes].map((_, i) => BigInt(i + 1));
      const votes = new Map<bigint, boolean>();
      [...c.votes].forEach((v, i) => {
        if (v !== '_') votes.set(BigInt(i + 1), v === 'y');
      });
      assert.equal(majorityVoteResult(voters, votes), c.want);
    });
  }

  it('ignores votes from non-voters', () => {
    const votes = new Map([
      [4n, true],
      [5n, true],
      [1n, true],
    ]);
    assert.equal(majorityVoteResult([1n, 2n, 3n], votes), 'Pending');
  });
});
