// Where a member's WAL fsyncs run (Driver.syncInline): a leader's lone write and a follower's
// append on the member's own thread, a leader's batch in the thread pool.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { RealDisk } from '../../src/env/real-disk.js';
import type { Member } from '../../src/node/member.js';
import { countingDisk, type SyncCounts } from '../helpers/counting-disk.js';
import { type InProcessCluster, startInProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const counted = countingDisk(new RealDisk());
let cluster: InProcessCluster | undefined;
after(() => cluster?.close());

/** The fsyncs of `member`'s WAL segments so far (its data dir is named after it). */
function walSyncs(member: Member): SyncCounts {
  const sum: SyncCounts = { async: 0, inline: 0 };
  for (const [path, counts] of counted.byPath) {
    if (!path.includes('/wal/') || !path.includes(`-inline-sync-${member.options.name}-`)) continue;
    sum.async += counts.async;
    sum.inline += counts.inline;
  }
  return sum;
}

const since = (now: SyncCounts, before: SyncCounts): SyncCounts => ({
  async: now.async - before.async,
  inline: now.inline - before.inline,
});

it('a leader syncs a lone write on its thread and a batch in the thread pool', async () => {
  cluster = await startInProcessCluster('inline-sync', { disk: counted.disk });
  const leader = cluster.leader()!;
  const followers = cluster.members.filter((m) => m !== leader);
  // Start-up's own entries (the leader's no-op, published members) are behind us once a
  // write commits.
  await leader.put({ key: enc('warm'), value: enc('up') });
  const before = new Map(cluster.members.map((m) => [m, walSyncs(m)]));

  await leader.put({ key: enc('k'), value: enc('one') });
  assert.deepEqual(
    since(walSyncs(leader), before.get(leader)!),
    { async: 0, inline: 1 },
    'the leader synced its lone write on its own thread',
  );

  // Proposed in one turn, the puts reach Raft as one batch: one pass with many entries.
  const afterOne = walSyncs(leader);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => leader.put({ key: enc(`b${i}`), value: enc('v') })),
  );
  const batch = since(walSyncs(leader), afterOne);
  assert.ok(batch.async >= 1, `the leader synced its batch in the pool (${JSON.stringify(batch)})`);

  for (const f of followers) {
    await eventually(
      `follower ${f.options.name} to apply the batch`,
      () => f.appliedWait.appliedIndex,
      (applied) => applied >= leader.appliedWait.appliedIndex,
    );
    const synced = since(walSyncs(f), before.get(f)!);
    assert.equal(synced.async, 0, `follower ${f.options.name} synced only on its thread`);
    assert.ok(synced.inline >= 1, `follower ${f.options.name} synced its appends`);
  }
});
