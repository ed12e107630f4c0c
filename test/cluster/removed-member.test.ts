/**
 * A member removed while it was down, started again on its old data dir, learns from its
 * former peers that it was removed and exits, as etcd's does ("the member has been
 * permanently removed from the cluster"), instead of campaigning and serving stale reads on
 * its own for good. The member chosen has the highest ID: the others would dial it, but no
 * longer do, so only its probes can reach them. The others keep the removal in their
 * snapshots: they are restarted after their logs were compacted past it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, type ClusterMember, snapshotFlags } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { eventually } from '../helpers/wait.js';

const snapshotCount = 20;
const catchUpEntries = 5;
/** Enough writes after the removal that every member's log is compacted past it. */
const writes = 3 * snapshotCount;
/** The transport probes every 5 s; a member starts serving before its first probe. */
const probeIntervalMs = 5000;

describe('a member removed while it was down', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({
      size: 3,
      args: snapshotFlags(snapshotCount, catchUpEntries),
    });
  });
  after(() => cluster?.destroy());

  it('exits when it comes back, told so by the members that stayed (from their snapshots)', async () => {
    const byId = [...cluster.members].sort((a, b) =>
      BigInt(`0x${a.id}`) < BigInt(`0x${b.id}`) ? -1 : 1,
    );
    const removed = byId[2] as ClusterMember;
    const stayed = byId.slice(0, 2);
    await removed.stop();

    const ctl = cluster.ctl(stayed);
    await ctl.ok('member', 'remove', removed.id);
    const client = stayed[0]!.client();
    for (let i = 0; i < writes; i++) await client.put(`after/${i}`).value(String(i));
    // Each member that stayed restarts on its data dir: it knows of the removal only from its
    // snapshot, its log having been compacted past it.
    for (const member of stayed) {
      await member.stop();
      await member.restart();
    }
    await eventually(
      'the members that stayed to agree on a leader',
      () => cluster.statuses(stayed).catch(() => []),
      (statuses) => statuses.length === 2 && statuses.every((s) => s.Status.leader !== undefined),
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    await removed.restart();
    const exit = await removed.exit(4 * probeIntervalMs).catch((error: Error) => {
      const tail = (m: ClusterMember): string => `${m.name}:\n${m.log.slice(-3000)}`;
      throw new Error(`${error.message}\n${[removed, ...stayed].map(tail).join('\n')}`);
    });
    assert.deepEqual(exit, { code: 0, signal: null }, 'the removed member shuts down cleanly');
    assert.match(
      removed.log,
      /the member has been permanently removed from the cluster/,
      'it says why it stopped',
    );
    assert.ok(
      stayed.some((m) => m.log.includes('rejected a removed member')),
      'a member that stayed refused it',
    );
    cluster.forget(removed);

    const members = await ctl.json<{ members: { ID: string }[] }>('member', 'list');
    assert.deepEqual(
      members.members.map((m) => BigInt(m.ID).toString(16)).sort(),
      stayed.map((m) => m.id).sort(),
      'the cluster still has the two members that stayed',
    );
    await client.put('still').value('serving');
    assert.equal(await stayed[1]!.client().get('still').string(), 'serving');
  });
});
