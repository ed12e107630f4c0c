import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimBug } from './bugs.js';
import { runSeed } from './run.js';
import { runFigure8 } from './scenarios/figure8.js';

/**
 * "The checkers must be able to fail": each planted bug must be caught by its checker within
 * a bounded search of seeds. The first seed that catches it is printed, so a regression here
 * can be replayed with `npm run sim -- --seed S --members 3 --ticks 2000 --bugs <bug>`.
 */
async function firstCatch(
  bug: SimBug,
  checker: string,
  seedsMax: number,
): Promise<number | undefined> {
  for (let seed = 1; seed <= seedsMax; seed++) {
    const result = await runSeed({ seed, members: 3, ticks: 2000, bugs: [bug] });
    if (result.violations.some((v) => v.startsWith(`[${checker}]`))) return seed;
  }
  return undefined;
}

describe('simulation: planted bugs are caught', () => {
  it('a member that votes twice in one term breaks election safety', async () => {
    const seed = await firstCatch('doubleVote', 'election safety', 30);
    assert.ok(seed !== undefined, 'no seed in 30 caught a double vote');
  });

  it('a leader that commits an earlier term by counting replicas breaks leader completeness (Figure 8)', async () => {
    const buggy = await runFigure8(['commitEarlierTerm']);
    assert.ok(buggy.committedByCounting, 'the buggy leader did not commit the term-a entry');
    assert.match(buggy.violations.join('\n'), /\[leader completeness\].*lacks committed entry/);
    // The production core, in the same scenario, does not commit it, and nothing fires.
    const correct = await runFigure8();
    assert.equal(correct.committedByCounting, false);
    assert.deepEqual(correct.violations, []);
  });

  it('members that acknowledge before persisting lose committed entries', async () => {
    const checkers = ['leader completeness', 'state machine safety', 'election safety'];
    let caught: number | undefined;
    for (let seed = 1; seed <= 40 && caught === undefined; seed++) {
      const result = await runSeed({ seed, members: 3, ticks: 2000, bugs: ['ackBeforePersist'] });
      if (result.violations.some((v) => checkers.some((c) => v.startsWith(`[${c}]`)))) {
        caught = seed;
      }
    }
    assert.ok(caught !== undefined, 'no seed in 40 caught acknowledgement before persist');
  });

  it('reads served by a believed leader without ReadIndex break linearizability', async () => {
    const seed = await firstCatch('localRead', 'linearizability', 60);
    assert.ok(seed !== undefined, 'no seed in 60 caught a stale local read');
  });
});
