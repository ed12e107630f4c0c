/**
 * Chaos in CI (2 of 3): watches (ordered, gapless, unduplicated, equal to the committed
 * history, across reconnections), leases (never gone early, gone after expiry) and locks with
 * fencing tokens, on 3 members under kill -9, partitions, leader transfers and clock faults.
 * Replay: npm run chaos -- --workload watch,lease,lock --nemesis kill,partition,leader-transfer,clock --time 60 --seed 202
 */
import { it } from 'node:test';
import { assertChaosRun } from './assert-run.js';

it(
  'watches, leases and fenced locks under kill -9, partitions, leader transfer and clock faults',
  { timeout: 240_000 },
  async (t) => {
    await assertChaosRun(t, {
      workloads: ['watch', 'lease', 'lock'],
      nemeses: ['kill', 'partition', 'leader-transfer', 'clock'],
      timeS: 60,
      seed: 202,
      minFaults: 1,
      minOperations: 200,
    });
  },
);
