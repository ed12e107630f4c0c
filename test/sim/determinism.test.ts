import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { logKinds } from './member-log.js';
import { runSeed } from './run.js';

describe('simulation: determinism', () => {
  for (const disk of logKinds) {
    it(`gives the same result for the same seed, to the last trace line (disk ${disk})`, async () => {
      for (const members of [3, 5, 7]) {
        const options = { seed: 4242 + members, members, ticks: 1500, disk };
        const first = await runSeed(options);
        const second = await runSeed(options);
        assert.deepEqual(second, first);
        assert.ok(first.stats.commitIndex > 0, 'the run committed nothing');
      }
    });
  }

  it('gives different runs for different seeds', async () => {
    const a = await runSeed({ seed: 1, members: 3, ticks: 1000 });
    const b = await runSeed({ seed: 2, members: 3, ticks: 1000 });
    assert.notEqual(a.summary.replace(/^seed \d+/, ''), b.summary.replace(/^seed \d+/, ''));
  });

  it('prints identical output for `--seed S` run to run, in both disk modes', () => {
    const run = (disk: string): string => {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'test/sim/main.ts', '--seed', '77', '--ticks', '1000', '--disk', disk],
        { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname },
      );
      assert.equal(child.status, 0, child.stderr);
      return child.stdout;
    };
    for (const disk of logKinds) {
      const first = run(disk);
      assert.match(
        first,
        new RegExp(`^seed 77 members 7 ticks 1000 disk ${disk}: .*\nsim: 1 seeds, 0 violations\n$`),
      );
      assert.equal(run(disk), first);
    }
  });
});
