/**
 * A member that was down while the others snapshotted and compacted their logs catches up by
 * installing the leader's snapshot (Raft section 7), not by replaying entries the leader no
 * longer has: --snapshot-count 100 with 100 catch-up entries kept, and 600 writes while it is
 * down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, type ClusterMember, snapshotFlags } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';

const snapshotCount = 100;
const catchUpEntries = 100;
const writes = 600;

describe('catch-up by snapshot', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({
      size: 3,
      args: snapshotFlags(snapshotCount, catchUpEntries),
    });
  });
  after(() => cluster?.destroy());

  it('a member down while the others compact their logs installs a snapshot and converges', async () => {
    const leader = await cluster.leader();
    const down = cluster.members.find((m) => m !== leader) as ClusterMember;
    const up = cluster.members.filter((m) => m !== down);
    await down.client().put('before').value('down');
    await down.stop();

    const clients = up.map((m) => m.client());
    for (let i = 0; i < writes; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          clients[j % 2]?.put(`while-down/${i + j}`).value(String(i + j)),
        ),
      );
    }
    const raftIndex = Math.min(...(await cluster.statuses(up)).map((s) => s.Status.raftIndex));
    assert.ok(
      raftIndex > writes,
      `the log grew past the writes (index ${raftIndex}), so the leader has compacted ${down.name}'s next entry away`,
    );

    await down.restart();
    await down.logged('installed a snapshot from the leader', 20_000);
    const { revision } = await cluster.converged(cluster.members);
    assert.ok(revision >= writes + 2, `the cluster is at revision ${revision}`);
    const local = await down.client().getAll().prefix('while-down/').serializable(true).count();
    assert.equal(local, writes, `${down.name} holds every write made while it was down`);

    // It follows the log again after the snapshot: one more write reaches it.
    await clients[0]?.put('after').value('caught up');
    await cluster.converged(cluster.members);
    assert.equal(await down.client().get('after').serializable(true).string(), 'caught up');
  });
});
