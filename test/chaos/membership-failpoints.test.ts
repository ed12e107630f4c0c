/**
 * Chaos in CI (3 of 3): registers and watches on 5 members while members are replaced under
 * load (learner added, promoted, a member removed) and crash at failpoints (around the WAL
 * fsync, apply, snapshot saves and compaction) and come back.
 * Replay: npm run chaos -- --workload register,watch --nemesis membership,failpoint --time 60 --seed 311 --size 5
 */
import { it } from 'node:test';
import { assertChaosRun } from './assert-run.js';

it(
  'registers and watches on 5 members under membership changes and failpoint crashes',
  { timeout: 240_000 },
  async (t) => {
    await assertChaosRun(t, {
      workloads: ['register', 'watch'],
      nemeses: ['membership', 'failpoint'],
      timeS: 60,
      seed: 311,
      size: 5,
      minFaults: 1,
      minOperations: 200,
    });
  },
);
