/**
 * Service registry, config watcher and two-phase commit against a real 3-member Concord
 * cluster, with the failures they exist for: an instance's process dies and leaves the live
 * set when its lease expires; the config cache converges through a member crash and a
 * compaction; a coordinator dies between the decision and the commit (or before the
 * decision), and another coordinator's recover() finishes (or rolls back) its transaction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { ConfigWatcher, type ConfigChange } from '../../src/client/recipes/config-watcher.js';
import { ServiceRegistry } from '../../src/client/recipes/registry.js';
import { Session } from '../../src/client/recipes/session.js';
import { TwoPhaseCommit } from '../../src/client/recipes/two-phase-commit.js';
import { Cluster } from '../helpers/cluster-process.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { FileStore } from './recipes-file-store.js';
import { RecipeWorker } from './recipes-worker-process.js';

describe('recipes (registry, config watcher, two-phase commit) on a 3-member cluster', () => {
  let cluster: Cluster;
  let storesRoot: string;
  const clients: Client[] = [];
  const endpoints = (): string[] => cluster.members.map((member) => member.endpoint);
  const open = (): Client => {
    const client = new Client({ endpoints: endpoints() });
    clients.push(client);
    return client;
  };

  before(async () => {
    storesRoot = mkdtempSync(join(tmpdir(), 'concord-2pc-'));
    cluster = await Cluster.start({ size: 3 });
  });
  after(async () => {
    await RecipeWorker.killAll();
    for (const client of clients) client.close();
    await cluster?.destroy();
    rmSync(storesRoot, { recursive: true, force: true });
  });

  test('registry: discover and watch instances; a killed instance leaves when its lease expires', async () => {
    const client = open();
    const registry = new ServiceRegistry(client, 'registry/');
    const session = await Session.create(client, { ttl: 10 });
    const local = await registry.register(session, 'api', 'local', { port: 1 });
    const live = registry.watch<{ pid?: number; port?: number }>('api');
    const downs: string[] = [];
    live.on('down', (id) => downs.push(id));
    await live.start();
    assert.deepEqual([...live.instances.keys()], ['local']);

    const remote = new RecipeWorker('registry-instance', {
      endpoints: endpoints(),
      prefix: 'registry/',
      service: 'api',
      id: 'remote',
      ttl: 2,
    });
    await remote.message('registered');
    await eventually(
      'the live set to see the remote instance',
      () => [...live.instances.keys()].sort(),
      (ids) => ids.length === 2,
    );
    assert.equal(live.instances.get('remote')?.metadata.pid, remote.pid);
    assert.deepEqual((await registry.discover('api')).map((instance) => instance.id).sort(), [
      'local',
      'remote',
    ]);

    await local.update({ port: 2 });
    await eventually(
      'the metadata update',
      () => live.instances.get('local')?.metadata.port,
      (port) => port === 2,
    );

    // The failure detector: nobody deregisters the killed instance; its lease expiry does.
    const killedAt = Date.now();
    await remote.kill();
    await waitFor(
      'the remote instance to leave the live set',
      (done) => {
        const check = (): void => {
          if (!live.instances.has('remote')) done(undefined);
        };
        live.on('change', check);
        check();
      },
      15_000,
    );
    const detectedMs = Date.now() - killedAt;
    assert.ok(detectedMs < 10_000, `detected after ${detectedMs} ms`);
    assert.deepEqual(downs, ['remote']);
    assert.deepEqual(
      (await registry.discover('api')).map((instance) => instance.id),
      ['local'],
    );

    await local.deregister();
    await eventually(
      'the local instance to leave',
      () => live.instances.size,
      (size) => size === 0,
    );
    await live.close();
    await session.close();
  });

  test('config watcher: the cache converges through a member crash and a compaction', async () => {
    const writer = open();
    await writer.put('config/app/color', 'blue');
    await writer.put('config/app/size', 'L');
    await writer.put('config/other', 'not mine');
    const config = new ConfigWatcher(open(), 'config/app/');
    const changes: ConfigChange[] = [];
    config.on('change', (change) => changes.push(change));
    await config.start();
    assert.deepEqual(
      config.entries().map(([key]) => key),
      ['color', 'size'],
    );
    assert.equal(config.get('color')?.toString(), 'blue');

    await writer.put('config/app/color', 'red');
    await writer.delete('config/app/size');
    const last = await writer.put('config/app/shape', 'round');
    await eventually(
      'the cache to catch up',
      () => config.revision,
      (revision) => revision >= last.revision,
    );
    assert.deepEqual(
      changes.map(
        (c) => `${c.type} ${c.key} ${c.value?.toString() ?? '-'} ${c.previous?.toString() ?? '-'}`,
      ),
      ['put color red blue', 'delete size - L', 'put shape round -'],
    );

    // Kill a member: the watch moves to another member and resumes without gap.
    const victim = cluster.members[0]!;
    await victim.kill();
    try {
      const after = await writer.put('config/app/color', 'green');
      await eventually(
        'the cache to converge after the crash',
        () => config.revision,
        (revision) => revision >= after.revision,
      );
      assert.equal(config.get('color')?.toString(), 'green');
    } finally {
      await victim.restart();
    }

    // Save the cache, stop, change things and compact past them, then resume from the
    // saved cache: the history it needs is gone, so it lists again and reports the difference.
    const saved = { revision: config.revision, entries: config.entries() };
    await config.close();
    await writer.put('config/app/color', 'violet');
    await writer.delete('config/app/shape');
    await writer.put('config/app/late', 'yes');
    const compactTo = await writer.put('config/other', 'still not mine');
    await writer.compact(compactTo.revision);
    const resumed = new ConfigWatcher(open(), 'config/app/', { resume: saved });
    const resumedChanges: string[] = [];
    const resyncs: number[] = [];
    resumed.on('change', (c) => resumedChanges.push(`${c.type} ${c.key}`));
    resumed.on('resync', (revision) => resyncs.push(revision));
    await resumed.start();
    await eventually(
      'the resumed watcher to resync',
      () => resyncs.length,
      (n) => n === 1,
    );
    assert.deepEqual(
      resumed.entries().map(([key, kv]) => `${key}=${kv.value.toString()}`),
      ['color=violet', 'late=yes'],
    );
    assert.deepEqual(resumedChanges.sort(), ['delete shape', 'put color', 'put late']);
    assert.ok(resumed.revision >= compactTo.revision);
    await writer.put('config/app/after', 'resync');
    await eventually(
      'the resumed watcher to keep watching',
      () => resumed.get('after')?.toString(),
      (v) => v === 'resync',
    );
    await resumed.close();
  });

  test('2pc: a coordinator killed after deciding commit; recover() elsewhere commits at every store', async () => {
    const dirs: [string, string][] = [
      ['ledger-a', join(storesRoot, 'a')],
      ['ledger-b', join(storesRoot, 'b')],
    ];
    const crashed = new RecipeWorker('2pc-crash', {
      endpoints: endpoints(),
      ttl: 2,
      prefix: '2pc/',
      stores: dirs,
      txId: 'tx-commit',
      changes: {
        'ledger-a': { key: 'alice', value: '90' },
        'ledger-b': { key: 'bob', value: '110' },
      },
      crashAt: 'decided',
    });
    assert.deepEqual(await crashed.message('decided'), { decided: 'commit' });
    await crashed.kill();
    const stores = dirs.map(([name, dir]) => new FileStore(name, dir));
    // Decided but not applied: both stores hold the change prepared, neither applied it.
    assert.ok(stores.every((store) => store.hasStaged('tx-commit')));
    assert.deepEqual(
      stores.map((store) => store.data()),
      [{}, {}],
    );

    const session = await Session.create(open(), { ttl: 10 });
    const recoverer = new TwoPhaseCommit(session, stores);
    // The dead coordinator still owns the transaction until its lease expires.
    const recovered = await eventually(
      'recover() to take over tx-commit',
      () => recoverer.recover(),
      (done) => done.length > 0,
      { intervalMs: 250, timeoutMs: 15_000 },
    );
    assert.deepEqual(recovered, [{ txId: 'tx-commit', decision: 'commit' }]);
    assert.deepEqual(
      stores.map((store) => store.data()),
      [{ alice: '90' }, { bob: '110' }],
    );
    assert.ok(stores.every((store) => !store.hasStaged('tx-commit')));
    assert.deepEqual(await recoverer.recover(), [], 'nothing left to recover');
    assert.equal((await clients[0]!.range('2pc/', { prefix: true })).count, 0);
    await session.close();
  });

  test('2pc: a coordinator killed before deciding; recover() aborts at every store', async () => {
    const dirs: [string, string][] = [
      ['ledger-a', join(storesRoot, 'a')],
      ['ledger-b', join(storesRoot, 'b')],
    ];
    const crashed = new RecipeWorker('2pc-crash', {
      endpoints: endpoints(),
      ttl: 2,
      prefix: '2pc/',
      stores: dirs,
      txId: 'tx-abort',
      changes: {
        'ledger-a': { key: 'alice', value: '0' },
        'ledger-b': { key: 'bob', value: '200' },
      },
      crashAt: 'prepared',
    });
    await crashed.message('prepared');
    await crashed.kill();
    const stores = dirs.map(([name, dir]) => new FileStore(name, dir));
    const session = await Session.create(open(), { ttl: 10 });
    const recoverer = new TwoPhaseCommit(session, stores);
    const recovered = await eventually(
      'recover() to take over tx-abort',
      () => recoverer.recover(),
      (done) => done.length > 0,
      { intervalMs: 250, timeoutMs: 15_000 },
    );
    assert.deepEqual(recovered, [{ txId: 'tx-abort', decision: 'abort' }]);
    // Rolled back: the earlier committed values stand, nothing staged remains.
    assert.deepEqual(
      stores.map((store) => store.data()),
      [{ alice: '90' }, { bob: '110' }],
    );
    assert.ok(stores.every((store) => !store.hasStaged('tx-abort')));

    // And a live coordinator: all vote yes -> commit; one refuses -> abort everywhere.
    assert.equal(
      await recoverer.run('tx-ok', {
        'ledger-a': { key: 'carol', value: '1' },
        'ledger-b': { key: 'dave', value: '2' },
      }),
      'commit',
    );
    assert.equal(
      await recoverer.run('tx-no', {
        'ledger-a': { key: 'erin', value: '1' },
        'ledger-b': { key: 'frank', value: '2', refuse: true },
      }),
      'abort',
    );
    assert.deepEqual(
      stores.map((store) => store.data()),
      [
        { alice: '90', carol: '1' },
        { bob: '110', dave: '2' },
      ],
    );
    await session.close();
  });
});
