/**
 * Backups of a live cluster: `etcdctl snapshot save` from one member while the cluster serves,
 * and `concord snapshot restore` of that file into a fresh 3-member cluster, which then holds
 * the same key-value state (the same HashKV at the same revision).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';

const restoreSkip = existsSync(
  fileURLToPath(new URL('../../src/cli/snapshot-restore.ts', import.meta.url)),
)
  ? false
  : '`concord snapshot restore` does not exist yet (src/cli/snapshot-restore.ts)';

describe('snapshot save and restore', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  let file: string;
  let saved: { hash: number; revision: number };
  const clusters: Cluster[] = [];
  before(async () => {
    cluster = await Cluster.start({ size: 3 });
    clusters.push(cluster);
    file = join(cluster.root, 'backup.db');
  });
  after(async () => {
    for (const c of clusters) await c.destroy();
  });

  it('etcdctl snapshot save on a live cluster', async () => {
    const client = cluster.client();
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => client.put(`backup/${i + j}`).value(String(i + j))),
      );
    }
    await client.delete().key('backup/0');
    saved = await cluster.converged();
    const leader = await cluster.leader();
    const follower = cluster.members.find((m) => m !== leader) as ClusterMember;
    const out = await cluster.ctl([follower]).ok('snapshot', 'save', file);
    assert.match(out, new RegExp(`^Snapshot saved at ${file}$`, 'm'));
    assert.ok(statSync(file).size > 0, 'the backup file is not empty');
    // The cluster kept serving: a write after the backup.
    await client.put('after-backup').value('1');
  });

  it(
    'concord snapshot restore into a fresh 3-member cluster gives the same HashKV',
    { skip: restoreSkip },
    async () => {
      const token = `restored-${process.pid}`;
      const restored = await Cluster.start({
        size: 3,
        prepare: async (fresh) => {
          for (const m of fresh.members) {
            const run = await fresh.concord([
              'snapshot',
              'restore',
              file,
              ...['--name', m.name, '--data-dir', m.dataDir],
              ...['--initial-cluster', fresh.initialCluster()],
              ...['--initial-cluster-token', token],
              ...['--initial-advertise-peer-urls', m.peerUrl],
            ]);
            assert.equal(run.code, 0, `restore for ${m.name} failed: ${run.stderr}`);
          }
        },
      });
      clusters.push(restored);
      const { hash, revision } = await restored.converged();
      assert.deepEqual({ hash, revision }, saved, 'the restored cluster has the backup state');
      const client = restored.client();
      assert.equal(await client.getAll().prefix('backup/').count(), 199);
      assert.equal(await client.get('after-backup').string(), null);
      await client.put('restored/new').value('1');
      assert.equal(await client.get('restored/new').string(), '1');
    },
  );
});
