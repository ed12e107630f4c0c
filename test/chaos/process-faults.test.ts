/**
 * Chaos in CI (1 of 3): registers (linearizability per key) and list-append transactions
 * (strict serializability) on 3 members while members are killed and restarted, paused, and
 * partitioned every way (majority/minority, the leader isolated, bridge, ring).
 * Replay: npm run chaos -- --workload register,txn --nemesis kill,pause,partition --time 60 --seed 101
 */
import { it } from 'node:test';
import { assertChaosRun } from './assert-run.js';

it(
  'registers and transactions under kill -9, SIGSTOP and partitions',
  { timeout: 240_000 },
  async (t) => {
    await assertChaosRun(t, {
      workloads: ['register', 'txn'],
      nemeses: ['kill', 'pause', 'partition'],
      timeS: 60,
      seed: 101,
      minFaults: 1,
      minOperations: 200,
    });
  },
);
