import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runSeed } from './run.js';

describe('simulation: determinism', () => {
  it('gives the same result for the same seed, to the last trace line', () => {
    for (const members of [3, 5, 7]) {
      const options = { seed: 4242 + members, members, ticks: 1500 };
      const first = runSeed(options);
      const second = runSeed(options);
      assert.deepEqual(second, first);
      assert.ok(first.stats.commitIndex > 0, 'the run committed nothing');
    }
  });

  it('gives different runs for different seeds', () => {
    const a = runSeed({ seed: 1, members: 3, ticks: 1000 });
    const b = runSeed({ seed: 2, members: 3, ticks: 1000 });
    assert.notEqual(a.summary.replace(/^seed \d+/, ''), b.summary.replace(/^seed \d+/, ''));
  });

  it('prints identical output for `--seed S` run to run', () => {
    const run = (): string => {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'test/sim/main.ts', '--seed', '77', '--ticks', '1000'],
        { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname },
      );
      assert.equal(child.status, 0, child.stderr);
      return child.stdout;
    };
    const first = run();
    assert.match(first, /^seed 77 members 7 ticks 1000: .*\nsim: 1 seeds, 0 violations\n$/);
    assert.equal(run(), first);
  });
});
