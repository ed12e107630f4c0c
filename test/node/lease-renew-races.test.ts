/**
 * Races of the leader's in-memory lease renewal (bb9a18f) on 3 in-process members (real Raft,
 * WAL, peer transport), against DESIGN.md promise 5: once a renewal is acknowledged with TTL
 * t, no leader may expire the lease before t seconds have passed.
 *
 * A renewal after a checkpoint resets the checkpoint through Raft before it is acknowledged.
 * If the leader's periodic checkpoint of the same lease is proposed while that reset is in
 * flight, it lands after the reset in the log: the acknowledged renewal's lease is then
 * checkpointed at the old (short) remaining TTL, and a new leader starts it from there.
 * Here the periodic checkpoint is made to fire during the reset (the test calls the same
 * LeaseDeadlines.checkpoints the background task calls, right after the reset is proposed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { realClock } from '../../src/env/clock.js';
import type { Member } from '../../src/node/member.js';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

let cluster: InProcessCluster;
let members: readonly Member[] = [];
const electionMs = 1000;

const leaderOf = (): Member | undefined => cluster.leader();

describe('lease renewal races', () => {
  before(async () => {
    cluster = await startInProcessCluster('renew-races-test', {
      electionMs,
      leaseCheckpointMs: 100,
    });
    members = cluster.members;
  });

  after(() => cluster?.close());

  it('a checkpoint proposed while a renewal resets the lease does not undo the renewal', async () => {
    const leader = leaderOf()!;
    const ttl = 6;
    const { response } = await leader.leaseGrant(0n, ttl);
    const id = response.id;
    await eventually(
      'the leader to apply a checkpoint of the lease',
      () => leader.stateMachine.lease(id)?.remainingTtl ?? 0,
      (remaining) => remaining > 0,
      { timeoutMs: 10_000 },
    );

    // The background task's checkpoint fires while the renewal's reset is in flight: on the
    // renewal's own proposal, propose whatever LeaseDeadlines.checkpoints finds due a step
    // later (as the next 100 ms tick would, once the lease is a quarter of its TTL older).
    const propose = leader.propose.bind(leader);
    let injected = 0;
    leader.propose = ((request, options) => {
      const answer = propose(request, options);
      if (request.type === 'leaseCheckpoint' && injected === 0) {
        const reset = request.request.checkpoints.some((c) => c.id === id && c.remainingTtl === 0);
        if (reset) {
          const later = realClock.now() + ttl * 250 + 100;
          const due = leader.deadlines.checkpoints(later, 1000).filter((c) => c.id === id);
          injected = due.length;
          if (due.length > 0) {
            propose({ type: 'leaseCheckpoint', request: { checkpoints: due } }).catch(
              () => undefined,
            );
          }
        }
      }
      return answer;
    }) as typeof leader.propose;
    let renewedAt: number;
    try {
      const renewed = await leader.leaseKeepAlive(id);
      renewedAt = realClock.now();
      assert.equal(renewed.response.ttl, ttl);
    } finally {
      leader.propose = propose;
    }

    // Every member has applied everything; then leadership moves.
    const target = leader.raw.raft.log.lastIndex();
    await eventually(
      'every member to apply the log',
      () => members.map((m) => m.stateMachine.appliedIndex),
      (applied) => applied.every((index) => index >= target),
    );
    const follower = members.find((m) => m !== leader)!;
    await leader.moveLeader(follower.raw.raft.id);
    await eventually(
      'the follower to lead',
      () => follower.deadlines.isLeading,
      (led) => led,
    );
    const remaining = follower.deadlines.remaining(id, realClock.now()) ?? 0;
    const owed = ttl - Math.ceil((realClock.now() - renewedAt) / 1000);
    assert.ok(
      remaining >= owed,
      `the new leader expires the lease in ${remaining} s, but a renewal acknowledged ` +
        `${realClock.now() - renewedAt} ms ago promised ${ttl} s (checkpoints injected: ${injected}, ` +
        `applied remaining TTL ${follower.stateMachine.lease(id)?.remainingTtl})`,
    );
  });
});
