import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayCommand, runSeed } from './run.js';

// CI requires at least 500 seeds, at least 100 of them on the WAL over a SimDisk: 170 per
// cluster size, 3000 ticks each plus healing; odd seeds run in disk mode (defaultDisk), even
// seeds in memory mode, so 255 of each.
const seedsPerSize = 170;
const ticks = 3000;

describe('simulation: the production core under faults', () => {
  for (const members of [3, 5, 7]) {
    it(`${seedsPerSize} seeds of ${members} members have no violations`, async () => {
      const failures: string[] = [];
      let commits = 0;
      for (let seed = 1; seed <= seedsPerSize; seed++) {
        const options = { seed, members, ticks };
        const result = await runSeed(options);
        commits += result.stats.commitIndex;
        if (result.violations.length > 0) {
          failures.push(`${result.violations.join('\n')}\n  replay: ${replayCommand(options)}`);
        }
      }
      assert.deepEqual(failures, []);
      // The runs did something: a cluster that never commits checks nothing.
      assert.ok(commits > seedsPerSize * 50, `only ${commits} commits in ${seedsPerSize} seeds`);
    });
  }
});
