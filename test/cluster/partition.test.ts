/**
 * A partitioned minority: three members, each in its own network namespace, the leader's peer
 * traffic cut with iptables (its client port stays reachable). The minority serves no
 * linearizable read and takes no write; serializable reads still answer from its (stale)
 * state; the majority elects a leader and keeps writing; after healing the minority
 * converges on the majority's history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, netnsUnavailable, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';

const skip = etcdctlSkip || netnsUnavailable();

describe('a partitioned minority member', { skip }, () => {
  let cluster: Cluster;
  let lostAfterHeal: string | undefined;
  before(async () => {
    cluster = await Cluster.start({ size: 3, netns: true });
  });
  after(() => cluster?.destroy());

  it('refuses linearizable reads and writes, serves stale serializable reads, converges after healing', async () => {
    const minority = await cluster.leader();
    const majority = cluster.members.filter((m) => m !== minority);
    const onMinority = cluster.ctl([minority]);
    const onMajority = cluster.ctl(majority);
    await onMajority.ok('put', 'before', '1');
    await cluster.converged(cluster.members);

    cluster.partition(minority);
    const newLeader = await cluster.leader(majority);
    assert.ok(majority.includes(newLeader), 'the majority elects one of its own');
    for (let i = 0; i < 20; i++) await onMajority.ok('put', `during/${i}`, String(i));

    // Both must fail: a linearizable read needs a quorum's confirmation, a write a quorum's ack.
    const [read, write] = await Promise.all([
      onMinority.run(['get', 'before', '--consistency=l', '--command-timeout=3s']),
      onMinority.run(['put', 'lost', 'x', '--command-timeout=3s']),
    ]);
    assert.notEqual(read.code, 0, `a linearizable read on the minority answered: ${read.stdout}`);
    assert.notEqual(write.code, 0, `a write on the minority was acknowledged: ${write.stdout}`);
    assert.equal(await onMinority.ok('get', 'before', '--consistency=s'), 'before\n1\n');
    // Stale: the minority has not seen the majority's writes.
    await assertCount(cluster, minority, 'during/', 0);

    cluster.heal();
    await cluster.converged(cluster.members, 20_000);
    await assertCount(cluster, minority, 'during/', 20);
    lostAfterHeal = await onMinority.ok('get', 'lost', '--consistency=l');
  });

  // A proposal queued while the member knows no leader is withdrawn when its client gives up
  // (cancel or deadline), as etcd's Propose returns on the context's end: a write its client
  // saw fail is never applied later, so a client's retry cannot be applied twice.
  it('a write the minority refused is not applied after healing', () => {
    assert.equal(lostAfterHeal, '', 'the write its client saw fail was applied later');
  });
});

async function assertCount(
  cluster: Cluster,
  member: ClusterMember,
  prefix: string,
  expected: number,
): Promise<void> {
  const out = await cluster
    .ctl([member])
    .json<{ count?: number }>('get', '--prefix', prefix, '--consistency=s', '--keys-only');
  assert.equal(out.count ?? 0, expected, `${member.name} holds ${expected} keys under ${prefix}`);
}
