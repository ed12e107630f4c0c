// `concord snapshot save | status | restore` against real processes: a live 3-member cluster
// (`concord cluster`) is backed up with `concord snapshot save` and with Debian's
// `etcdctl snapshot save` (when installed); every member of a NEW 3-member cluster restores
// the backup and serves the same keys with the same HashKV as the old cluster at the backup's
// revision, under a new cluster ID, and takes new writes at the next revision. Restore refuses
// an existing data dir and a damaged file; the commands' exit codes are 0, 1 and 2.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Etcdctl, etcdctlBinary } from '../helpers/etcdctl.js';
import { freePortRange } from '../helpers/free-port.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';
import { ClusterCommand, concord, concordOk } from './concord-cli.js';

const root = mkdtempSync(join(tmpdir(), 'concord-snapshot-cli-'));
const clients: { close(): void }[] = [];
after(async () => {
  clients.forEach((c) => c.close());
  await ClusterCommand.destroyAll();
  await MemberProcess.destroyAll();
  rmSync(root, { recursive: true, force: true });
});

interface HashKvOut {
  header: { clusterId: string; revision: string };
  hash: number;
}

function maintenance(endpoint: string): Client {
  const client = rawClient('Maintenance', endpoint);
  clients.push(client);
  return client;
}

function etcd(endpoint: string): Etcd3 {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  clients.push(client);
  return client;
}

const hashKv = (endpoint: string, revision: number): Promise<HashKvOut> =>
  unaryCall<HashKvOut>(maintenance(endpoint), 'HashKV', { revision: String(revision) });

describe('concord snapshot', () => {
  it('saves a live cluster, and a new cluster restored from it serves the same data', async () => {
    // The old cluster, with some history: puts, an overwrite, a delete.
    const old = await ClusterCommand.start([
      '--base-port',
      String(await freePortRange(6)),
      '--data-dir',
      join(root, 'old'),
    ]);
    const writer = etcd(old.endpoints[0]!);
    for (let i = 0; i < 30; i++) await writer.put(`k${i}`).value(`v${i}`);
    await writer.put('k3').value('three');
    await writer.delete().key('k4');
    const revision = Number((await writer.put('last').value('x')).header.revision);
    // A linearizable read on each member: each has applied everything up to `revision`.
    for (const endpoint of old.endpoints)
      assert.equal(await etcd(endpoint).get('last').string(), 'x');
    const expected = await writer.getAll().prefix('').strings();
    const oldHash = await hashKv(old.endpoints[1]!, revision);
    const wholeHash = await unaryCall<{ hash: number }>(maintenance(old.endpoints[1]!), 'Hash', {});

    const saved = join(root, 'concord.db');
    const out = await concordOk('snapshot', 'save', saved, '--endpoints', old.endpoints[1]!);
    const hex = wholeHash.hash.toString(16).padStart(8, '0');
    assert.match(
      out,
      new RegExp(`^Snapshot saved at ${saved}: [0-9.]+ k?B, revision ${revision}, hash ${hex}\\n$`),
    );
    assert.equal(existsSync(`${saved}.part`), false);
    const status = JSON.parse(await concordOk('snapshot', 'status', saved, '-w', 'json')) as {
      hash: number;
      revision: number;
      totalKey: number;
      totalSize: number;
    };
    assert.deepEqual(status, {
      hash: wholeHash.hash,
      revision,
      totalKey: status.totalKey,
      totalSize: statSync(saved).size,
    });
    assert.ok(status.totalKey >= 33, `every key revision counts: ${status.totalKey}`);

    let etcdctlSaved: string | undefined;
    if (etcdctlBinary !== undefined) {
      etcdctlSaved = join(root, 'etcdctl.db');
      await new Etcdctl(() => old.endpoints[0]!).ok('snapshot', 'save', etcdctlSaved);
      const fromEtcdctl = await concordOk('snapshot', 'status', etcdctlSaved, '-w', 'json');
      assert.deepEqual(JSON.parse(fromEtcdctl), status, 'the same state, the same status');
    }
    assert.equal(await old.stop(), 0);

    // The new cluster: every member restores the same file with its own name.
    const base = await freePortRange(6);
    const names = ['r1', 'r2', 'r3'];
    const peer = (i: number): string => `http://127.0.0.1:${base + 2 * i + 1}`;
    const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
    const restoredFrom = names.map((_, i) => (i === 2 && etcdctlSaved) || saved);
    for (const [i, name] of names.entries()) {
      const restored = await concordOk(
        'snapshot', 'restore', restoredFrom[i]!,
        '--name', name,
        '--data-dir', join(root, name),
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', 'restored',
        '--initial-advertise-peer-urls', peer(i),
      ); // prettier-ignore
      assert.match(
        restored,
        new RegExp(
          `\\(revision ${revision}\\) into .*${name}: member ${name} [0-9a-f]+ of a new cluster [0-9a-f]+ with 3 member`,
        ),
      );
    }
    const members = await Promise.all(
      names.map((name, i) =>
        MemberProcess.start({
          name,
          dataDir: join(root, name),
          listenClientUrls: `http://127.0.0.1:${base + 2 * i}`,
          args: [
            '--advertise-client-urls', `http://127.0.0.1:${base + 2 * i}`,
            '--listen-peer-urls', peer(i),
            '--initial-advertise-peer-urls', peer(i),
            '--initial-cluster', initialCluster,
            '--initial-cluster-token', 'restored',
          ], // prettier-ignore
        }),
      ),
    );
    const endpoints = members.map((m) => m.endpoint);

    // Same keys and values on every member, and the same HashKV as the old cluster's.
    for (const endpoint of endpoints) {
      const got = await eventually(
        `member ${endpoint} of the restored cluster to answer a linearizable read`,
        () =>
          etcd(endpoint)
            .getAll()
            .prefix('')
            .strings()
            .catch(() => undefined),
        (value) => value !== undefined,
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      assert.deepEqual(got, expected);
      const restoredHash = await hashKv(endpoint, revision);
      assert.equal(restoredHash.hash, oldHash.hash);
      assert.notEqual(restoredHash.header.clusterId, oldHash.header.clusterId, 'a new cluster ID');
    }
    // New writes continue the revision sequence and reach every member.
    const next = await etcd(endpoints[2]!).put('after').value('restore');
    assert.equal(Number(next.header.revision), revision + 1);
    for (const endpoint of endpoints) {
      assert.equal(await etcd(endpoint).get('after').string(), 'restore');
    }
    const hashes = await Promise.all(endpoints.map((e) => hashKv(e, revision + 1)));
    assert.equal(new Set(hashes.map((h) => h.hash)).size, 1, 'equal HashKV on every member');

    // Restore never overwrites a data dir.
    const again = await concord('snapshot', 'restore', saved, '--name', 'r1', '--data-dir', join(root, 'r1'), '--initial-cluster', initialCluster, '--initial-advertise-peer-urls', peer(0)); // prettier-ignore
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /--data-dir .*r1 exists; restore creates a new member's data directory and never overwrites one/,
    );
  });

  it('refuses a damaged file, a missing file and an unreachable member, with 1 or 2', async () => {
    // A valid file from a one-member cluster, then one byte flipped.
    const one = await ClusterCommand.start([
      '--members', '1', '--base-port', String(await freePortRange(2)), '--data-dir', join(root, 'one'),
    ]); // prettier-ignore
    await etcd(one.endpoints[0]!).put('k').value('v');
    const good = join(root, 'one.db');
    await concordOk('snapshot', 'save', good, '--endpoints', `http://${one.endpoints[0]!}`);
    assert.equal(await one.stop(), 0);
    const bytes = readFileSync(good);
    bytes[200] ^= 0x40;
    const bad = join(root, 'bad.db');
    writeFileSync(bad, bytes);

    const status = await concord('snapshot', 'status', bad);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /bad\.db is damaged: its sha256 is/);
    const restore = await concord('snapshot', 'restore', bad, '--name', 'x', '--data-dir', join(root, 'x')); // prettier-ignore
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /bad\.db is damaged/);
    assert.equal(existsSync(join(root, 'x')), false, 'a failed restore leaves no data dir');

    const missing = await concord('snapshot', 'status');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing FILE/);
    const two = await concord('snapshot', 'save', join(root, 'y.db'), '--endpoints', 'a:1,b:2');
    assert.equal(two.code, 2);
    assert.match(two.stderr, /--endpoints must name one member/);

    const port = await freePortRange(1);
    const target = join(root, 'none.db');
    const unreachable = await concord('snapshot', 'save', target, '--endpoints', `127.0.0.1:${port}`, '--dial-timeout', '500ms'); // prettier-ignore
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      new RegExp(`snapshot from 127.0.0.1:${port} failed: .*ECONNREFUSED 127.0.0.1:${port}$`, 'm'),
    );
    assert.equal(existsSync(target) || existsSync(`${target}.part`), false);
  });
});
