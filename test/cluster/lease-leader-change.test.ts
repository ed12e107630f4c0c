/**
 * A lease's remaining TTL survives a change of leader (DESIGN.md promise 5) on a real
 * 3-member cluster: a 6 s lease, left to lapse, is moved to a new leader (MoveLeader) once the
 * leader reports at most 2 s left; its key is deleted no earlier than that remaining TTL and
 * no later than it + the stated extra life (src/node/lease-deadlines.ts: the checkpoint lag,
 * half the TTL, + the checkpoint period + the new leader's election timeout of grace).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkpointLagMs } from '../../src/node/lease-deadlines.js';
import { memberDefaults } from '../../src/node/member-options.js';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { eventually } from '../helpers/wait.js';

const electionMs = 500;
const ttl = 6;
/** The expiry check's period, the revoke's round, and the probe's own, on a loaded machine. */
const slackMs = 2500;

const text = (s: string): Buffer => Buffer.from(s);

describe('lease TTL across a change of leader', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({ size: 3, electionMs });
  });
  after(() => cluster?.destroy());

  it('the key is deleted after its remaining TTL and within the stated bound', async () => {
    const leader = await cluster.leader();
    const target = cluster.members.find((m) => m !== leader) as ClusterMember;
    const lease = rawClient('Lease', leader.endpoint);
    const kv = rawClient('KV', target.endpoint);
    const maintenance = rawClient('Maintenance', leader.endpoint);
    try {
      const { ID } = await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: ttl });
      await unaryCall(kv, 'Put', { key: text('leased'), value: text('v'), lease: ID });

      let askedAt = 0;
      const reported = await eventually(
        'the leader to report at most 2 s left on the lease',
        async () => {
          askedAt = Date.now();
          const answer = await unaryCall<{ TTL: string }>(lease, 'LeaseTimeToLive', { ID });
          return Number(answer.TTL);
        },
        (left) => left <= 2,
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      assert.ok(reported > 0, `the lease expired before the move (TTL ${reported})`);

      await unaryCall(maintenance, 'MoveLeader', { targetID: BigInt(`0x${target.id}`) });
      const moved = Date.now();
      const gone = await eventually(
        'the leased key to be deleted by expiry on the new leader',
        async () =>
          (await unaryCall<{ kvs: unknown[] }>(kv, 'Range', { key: text('leased') })).kvs.length,
        (count) => count === 0,
        { timeoutMs: 20_000, intervalMs: 50 },
      ).then(() => Date.now() - askedAt);

      // TTL is rounded up: when it was asked, more than `reported - 1` s were left.
      const earliest = (reported - 1) * 1000;
      const extraMs = checkpointLagMs(ttl) + memberDefaults.leaseCheckpointMs + electionMs;
      const latest = reported * 1000 + extraMs + slackMs;
      console.log(
        `# lease: ${reported} s left, moved ${moved - askedAt} ms later, key gone ${gone} ms ` +
          `after the ask (bounds ${earliest}..${latest} ms; stated extra life < ${extraMs} ms)`,
      );
      assert.ok(gone >= earliest, `deleted ${gone} ms after the ask, before ${earliest} ms`);
      assert.ok(gone <= latest, `deleted ${gone} ms after the ask, later than ${latest} ms`);
    } finally {
      lease.close();
      kv.close();
      maintenance.close();
    }
  });
});
