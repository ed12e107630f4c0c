import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeedsInChild } from './seeds-in-child.js';

// CI requires at least 500 seeds, at least 100 of them on the WAL over a SimDisk: 170 per
// cluster size, 3000 ticks each plus healing; odd seeds run in disk mode (defaultDisk), even
// seeds in memory mode, so 255 of each.
const seedsPerSize = 170;
const ticks = 3000;

describe('simulation: the production core under faults', () => {
  for (const members of [3, 5, 7]) {
    it(`${seedsPerSize} seeds of ${members} members have no violations`, async () => {
      const runs = Array.from({ length: seedsPerSize }, (_, i) => ({
        seed: i + 1,
        members,
        ticks,
      }));
      const outcomes = await runSeedsInChild(runs);
      const failures = outcomes
        .filter((o) => o.violations.length > 0)
        .map((o) => `${o.violations.join('\n')}\n  replay: ${o.replay}`);
      assert.deepEqual(failures, []);
      // The runs did something: a cluster that never commits checks nothing.
      const commits = outcomes.reduce((sum, o) => sum + o.commitIndex, 0);
      assert.ok(commits > seedsPerSize * 50, `only ${commits} commits in ${seedsPerSize} seeds`);
    });
  }

  it("a planted bug's violations come back from the child process", async () => {
    const runs = Array.from({ length: 30 }, (_, i) => ({
      seed: i + 1,
      members: 3,
      ticks: 2000,
      bugs: ['doubleVote' as const],
    }));
    const outcomes = await runSeedsInChild(runs);
    assert.deepEqual(
      outcomes.map((o) => o.seed),
      runs.map((r) => r.seed),
    );
    const caught = outcomes.find((o) =>
      o.violations.some((v) => v.startsWith('[election safety]')),
    );
    assert.ok(caught !== undefined, 'no seed in 30 reported a double vote');
    assert.match(caught.replay, /--bugs doubleVote/);
  });
});
