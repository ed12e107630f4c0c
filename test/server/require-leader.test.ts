/**
 * etcd's "require leader" streams on a real 3-member cluster: Watch and LeaseKeepAlive
 * streams sent with the metadata `hasleader: true` end with UNAVAILABLE "etcdserver: no
 * leader" once their member has lost its leader for 3 election checks (the other two members
 * SIGSTOPped), a new one is refused, and a stream without the metadata stays open.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { Metadata, status } from '@grpc/grpc-js';
import { noLeaderChecksMax } from '../../src/server/services/require-leader.js';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { RawWatch } from './raw-watch.js';

function hasLeader(): Metadata {
  const metadata = new Metadata();
  metadata.set('hasleader', 'true');
  return metadata;
}

async function leaderOf(member: ClusterMember): Promise<string> {
  const client = rawClient('Maintenance', member.endpoint);
  try {
    return String((await unaryCall<{ leader: string }>(client, 'Status', {})).leader);
  } finally {
    client.close();
  }
}

describe('streams that require a leader (hasleader metadata)', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.start({ size: 3 });
  });

  after(async () => {
    await cluster.destroy();
  });

  it('end with "etcdserver: no leader" once the member lost its leader; others stay open', async () => {
    const [cut, ...others] = cluster.members as [ClusterMember, ...ClusterMember[]];
    const required = new RawWatch(cut.endpoint, hasLeader());
    const plain = new RawWatch(cut.endpoint);
    const lease = rawClient('Lease', cut.endpoint);
    try {
      for (const watch of [required, plain]) {
        watch.create({ key: Buffer.from('a') });
        assert.equal((await watch.next('the watch to be created', 15_000)).created, true);
      }
      const { ID } = await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: 60 });
      const keepAlive = (
        lease as unknown as {
          LeaseKeepAlive(metadata: Metadata): ClientDuplexStream<object, { TTL: string }>;
        }
      ).LeaseKeepAlive(hasLeader());
      const keepAliveEnded = waitFor<ServiceError>(
        'the keep-alive stream to end',
        (done) => keepAlive.on('error', done),
        60_000,
      );
      keepAlive.write({ ID });
      const renewed = await waitFor<{ TTL: string }>('a keep-alive answer', (done) =>
        keepAlive.once('data', done),
      );
      assert.equal(String(renewed.TTL), '60');

      for (const other of others) process.kill(other.pid!, 'SIGSTOP');
      try {
        await eventually(
          `${cut.name} to know no leader`,
          () => leaderOf(cut),
          (leader) => leader === '0',
          { timeoutMs: 30_000, intervalMs: 50 },
        );
        const lost = Date.now();
        const ended = await required.ended('the hasleader watch to end', 30_000);
        const elapsed = Date.now() - lost;
        assert.equal(ended.code, status.UNAVAILABLE);
        assert.equal(ended.details, 'etcdserver: no leader');
        // Ended by the 3rd check that finds no leader: at most one more check interval after
        // the loss (the loss was seen here no earlier than it happened), plus scheduling slack.
        const boundMs = (noLeaderChecksMax + 1) * cluster.electionMs + 3000;
        assert.ok(elapsed <= boundMs, `ended ${elapsed} ms after the loss (bound ${boundMs})`);
        console.log(`hasleader watch ended ${elapsed} ms after the member reported no leader`);

        const kaEnded = await keepAliveEnded;
        assert.deepEqual([kaEnded.code, kaEnded.details], [status.UNAVAILABLE, ended.details]);

        const refused = new RawWatch(cut.endpoint, hasLeader());
        try {
          const error = await refused.ended('a new hasleader watch to be refused', 15_000);
          assert.deepEqual([error.code, error.details], [status.UNAVAILABLE, ended.details]);
        } finally {
          refused.close();
        }

        // The stream without the metadata is still open: it answers a progress request.
        plain.requestProgress();
        const progress = await plain.next('a progress answer on the plain watch', 15_000);
        assert.equal(String(progress.watchId), '-1');
        assert.equal(plain.error, undefined);
      } finally {
        for (const other of others) process.kill(other.pid!, 'SIGCONT');
      }
      await cluster.leader();
      // With a leader again, a hasleader watch is admitted.
      const again = new RawWatch(cut.endpoint, hasLeader());
      try {
        again.create({ key: Buffer.from('a') });
        assert.equal((await again.next('a hasleader watch after healing', 15_000)).created, true);
      } finally {
        again.close();
      }
    } finally {
      required.close();
      plain.close();
      lease.close();
    }
  });
});
