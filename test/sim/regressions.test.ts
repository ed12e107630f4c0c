import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayCommand, runSeed } from './run.js';
import type { RunOptions } from './run.js';

/**
 * Seeds that failed before the simulator bootstrapped like production (committed AddNode
 * entries at 1..n) and before the core installed a snapshot taken before the receiving
 * member's addition (commit e7d391b). Each is replayed, must pass, and must still exercise
 * the situation it once failed in: otherwise the seed checks nothing and is replaced.
 */
async function replay(options: RunOptions): Promise<Awaited<ReturnType<typeof runSeed>>> {
  const result = await runSeed(options);
  assert.deepEqual(result.violations, [], replayCommand(options));
  return result;
}

describe('simulation: regression seeds', () => {
  it('a member added later installs a snapshot that predates its addition', async () => {
    // --seed 125 --members 7 (a new member stuck on an old snapshot) still passes, but since
    // the bootstrap and workload changes it no longer gets such a snapshot, so seeds 1 and 7
    // (7 members, memory mode) stand in for it: there the leader's snapshot predates a
    // member's addition and is sent as is.
    const old = await replay({ seed: 125, members: 7, ticks: 3000, disk: 'memory' });
    assert.ok(old.stats.confChangesAppliedByJoiners > 0, 'seed 125 added no member');
    for (const seed of [1, 7]) {
      const result = await replay({ seed, members: 7, ticks: 3000, disk: 'memory' });
      assert.ok(
        result.stats.snapshotsBeforeAddition > 0,
        `seed ${seed}: no snapshot predating a member's addition was installed`,
      );
    }
  });

  it('a member that joins with empty storage learns the configuration from the log', async () => {
    // Seeds 105, 225 and 243 (3 members) still add members that start empty and apply conf
    // changes (the bootstrap AddNode entries from index 1, or those after a snapshot).
    for (const seed of [105, 225, 243]) {
      const result = await replay({ seed, members: 3, ticks: 3000, disk: 'memory' });
      assert.ok(
        result.stats.confChangesAppliedByJoiners > 0,
        `seed ${seed}: no member that started empty applied a conf change`,
      );
    }
  });
});
