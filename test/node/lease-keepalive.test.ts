/**
 * Keep-alives on a 3-member cluster of in-process members (real Raft, WAL, peer transport),
 * as etcd's LeaseRenew serves them: the leader renews in memory, with no Raft entry; a
 * follower's renewal is the leader's; and the first renewal after a checkpoint resets it
 * through Raft before it is acknowledged, so a new leader never starts the lease from the
 * stale checkpoint (DESIGN.md promise 5).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { realClock } from '../../src/env/clock.js';
import type { Member } from '../../src/node/member.js';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

let cluster: InProcessCluster;
let members: readonly Member[] = [];
const leaderOf = (): Member | undefined => cluster.leader();
const lastIndexes = (): number[] => members.map((m) => m.raw.raft.log.lastIndex());

describe('lease keep-alive on a cluster', () => {
  before(async () => {
    // Checkpoints are looked for every 100 ms; a 6 s lease is checkpointed 3 s after its
    // grant or renewal (checkpointLagMs), which leaves 3 s to renew it.
    cluster = await startInProcessCluster('keepalive-test', { leaseCheckpointMs: 100 });
    members = cluster.members;
  });

  after(() => cluster?.close());

  it('renews on the leader with no Raft entry, and answers TTL 0 for an unknown lease', async () => {
    const leader = leaderOf()!;
    const { response } = await leader.leaseGrant(0n, 60);
    await eventually(
      'every member to apply the grant',
      () => members.every((m) => m.stateMachine.lease(response.id) !== undefined),
      (all) => all,
    );
    const before = leader.raw.raft.log.lastIndex();
    for (let i = 0; i < 20; i++) {
      const renewed = await leader.leaseKeepAlive(response.id);
      assert.equal(renewed.response.ttl, 60);
    }
    assert.equal(leader.raw.raft.log.lastIndex(), before, 'a renewal proposed a Raft entry');
    const unknown = await leader.leaseKeepAlive(response.id + 1n);
    assert.equal(unknown.response.ttl, 0);
  });

  /**
   * A 30 s lease granted on the leader and applied by every member, once the leader's
   * countdown of it has run past a whole second, so that a renewal shows.
   */
  async function countingLease(leader: Member): Promise<bigint> {
    const { response } = await leader.leaseGrant(0n, 30);
    await eventually(
      'every member to apply the grant',
      () => members.every((m) => m.stateMachine.lease(response.id) !== undefined),
      (all) => all,
    );
    await eventually(
      "the leader's remaining TTL to drop below 30 s",
      () => leader.deadlines.remaining(response.id, realClock.now()),
      (left) => left !== undefined && left < 30,
      { timeoutMs: 5000, intervalMs: 100 },
    );
    return response.id;
  }

  it('renews at once only on a caught-up leader, with no Raft entry', async () => {
    const leader = leaderOf()!;
    const follower = members.find((m) => m !== leader)!;
    const id = await countingLease(leader);
    // A follower's renewal is the leader's: never at once.
    assert.equal(follower.leaseKeepAliveNow(id), undefined);
    const before = leader.raw.raft.log.lastIndex();
    const renewed = leader.leaseKeepAliveNow(id);
    assert.equal(renewed?.response.ttl, 30);
    assert.equal(leader.deadlines.remaining(id, realClock.now()), 30);
    assert.equal(leader.leaseKeepAliveNow(id + 5n)?.response.ttl, 0);
    assert.equal(leader.raw.raft.log.lastIndex(), before, 'a renewal proposed a Raft entry');
    await leader.leaseRevoke(id);
  });

  it("renews through a follower on the leader's clock", async () => {
    const leader = leaderOf()!;
    const follower = members.find((m) => m !== leader)!;
    const id = await countingLease(leader);
    const renewed = await follower.leaseKeepAlive(id);
    assert.equal(renewed.response.ttl, 30);
    assert.equal(leader.deadlines.remaining(id, realClock.now()), 30);
    assert.equal((await follower.leaseKeepAlive(id + 7n)).response.ttl, 0);
  });

  it('resets a checkpoint through Raft before acknowledging the renewal', async () => {
    const leader = leaderOf()!;
    const follower = members.find((m) => m !== leader)!;
    const { response } = await leader.leaseGrant(0n, 6);
    const id = response.id;
    await eventually(
      'every member to apply a checkpoint of the lease',
      () => members.map((m) => m.stateMachine.lease(id)?.remainingTtl ?? 0),
      (remaining) => remaining.every((ttl) => ttl > 0),
      { timeoutMs: 10_000 },
    );
    // Not at once: the checkpoint must be reset first (leaseKeepAlive's path).
    assert.equal(leader.leaseKeepAliveNow(id), undefined);
    const indexesBefore = lastIndexes();
    const renewed = await follower.leaseKeepAlive(id);
    assert.equal(renewed.response.ttl, 6, 'the lease expired before the renewal');
    // Acknowledged only once the reset is applied on the leader (a new leader would start
    // the lease from its full TTL), and it went through the log.
    assert.equal(leader.stateMachine.lease(id)?.remainingTtl, 0);
    assert.ok(leader.raw.raft.log.lastIndex() > indexesBefore[members.indexOf(leader)]!);
    assert.equal(leader.deadlines.hasCheckpoint(id), false);
    assert.equal(leader.leaseKeepAliveNow(id)?.response.ttl, 6, 'reset, it renews at once');
    await leader.leaseRevoke(id);
  });
});
