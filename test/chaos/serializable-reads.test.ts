/**
 * The checkers must be able to fail (issue 7), on a real cluster: a follower is partitioned
 * away, a write commits through the majority, and a `serializable` read from the partitioned
 * follower (served from its own, now stale, state) returns the old value after the new one
 * was acknowledged. The register workload's client records it and the linearizability checker
 * must call the history non-linearizable. The same steps with linearizable reads (ReadIndex)
 * must not: the follower cannot confirm with a leader, so its read times out (indeterminate).
 *
 * Forced rather than random, so it cannot flake: every step waits on what it needs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import type { ClusterMember } from '../helpers/cluster-process.js';
import { eventually } from '../helpers/wait.js';
import { checkLinearizability } from './checker/linearizability.js';
import { HistoryRecorder } from './history/recorder.js';
import { ChaosCluster, defaultNetMode, type NetMode } from './cluster.js';
import { ClientProcess, type WorkloadContext } from './workload/workload.js';

// Both ways of cutting links: packet drops between namespaces (where the machine allows) and
// the fault proxy (everywhere).
const modes: NetMode[] = defaultNetMode().mode === 'netns' ? ['netns', 'proxy'] : ['proxy'];

for (const mode of modes)
  describe(`a stale read from a partitioned follower (${mode})`, { timeout: 180_000 }, () => {
    let chaos: ChaosCluster;
    before(async () => {
      chaos = await ChaosCluster.start({ size: 3, mode });
    });
    after(() => chaos?.destroy());

    /** Writes v1, partitions a follower, writes v2 through the majority, reads the follower. */
    async function scenario(key: string, serializable: boolean): Promise<HistoryRecorder> {
      const recorder = new HistoryRecorder();
      let processes = 0;
      const context: WorkloadContext = {
        chaos,
        recorder,
        prng: new Prng(1),
        signal: new AbortController().signal,
        opTimeoutMs: 3000,
        nextProcess: () => processes++,
        faults: () => [],
        runDir: '',
        log: () => undefined,
      };
      const leader = await chaos.stableLeader();
      const follower = chaos.members.find((m) => m !== leader) as ClusterMember;
      const majority = chaos.members.filter((m) => m !== follower);
      const writer = new ClientProcess(context, new Prng(2), leader);
      const reader = new ClientProcess(context, new Prng(3), follower);
      const read = (): Promise<{ ok: true; result: string | null } | { ok: false }> =>
        reader.op(
          { f: 'read', key },
          async (c) => {
            const r = await c.range(key, { serializable, timeoutMs: context.opTimeoutMs });
            return r.kvs[0]?.value.toString() ?? null;
          },
          { readOnly: true, output: (v) => v },
        );
      const write = async (value: string): Promise<void> => {
        const outcome = await writer.op({ f: 'write', key, value }, (c) =>
          c.put(key, value, { timeoutMs: context.opTimeoutMs }),
        );
        assert.ok(outcome.ok, `the write of ${value} through the leader was acknowledged`);
      };

      await write('v1');
      // The follower has applied v1 (a local read says so) before it is cut off.
      await eventually(
        `follower ${follower.name} to apply v1`,
        () => chaos.client(follower).range(key, { serializable: true, timeoutMs: 2000 }),
        (r) => r.kvs[0]?.value.toString() === 'v1',
      );
      chaos.cut([[follower], majority]);
      try {
        await write('v2');
        await read();
      } finally {
        chaos.heal();
      }
      return recorder;
    }

    it('serializable reads: the checker reports the stale read as non-linearizable', async () => {
      const recorder = await scenario('stale/serializable', true);
      const reads = recorder.events().filter((e) => e.f === 'read' && e.type === 'ok');
      assert.deepEqual(
        reads.map((e) => e.value),
        ['v1'],
        'the partitioned follower served its stale value',
      );
      const result = checkLinearizability(recorder.events());
      assert.equal(result.valid, false, 'a stale read is not linearizable');
      assert.equal(result.anomalies[0]?.key, 'stale/serializable');
    });

    it('linearizable reads: the follower does not answer stale, and the history is linearizable', async () => {
      const recorder = await scenario('stale/linearizable', false);
      const reads = recorder.events().filter((e) => e.f === 'read' && e.type !== 'invoke');
      assert.equal(reads.length, 1);
      assert.notEqual(
        reads[0]?.type,
        'ok',
        'a cut-off follower cannot confirm a linearizable read',
      );
      assert.equal(checkLinearizability(recorder.events()).valid, true);
    });
  });
