/**
 * The coordination recipes (barrier, double barrier, queue, priority queue, semaphore,
 * counter, service registry, two-phase commit, config watcher) against one real 3-member
 * Concord cluster, with several clients and several worker processes at once, and the
 * failures each exists for: a barrier releases all or none; queue items are delivered exactly
 * once; the semaphore never admits more than its permits, also when a holder's process dies;
 * concurrent increments are all counted; a killed instance leaves the registry's live set when
 * its lease expires; a coordinator killed after (or before) its decision has its transaction
 * committed (or rolled back) by another coordinator's recover(); the config cache converges
 * through a member crash and a compaction (last: it leaves a member down).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { Barrier } from '../../src/client/recipes/barrier.js';
import { ConfigWatcher, type ConfigChange } from '../../src/client/recipes/config-watcher.js';
import { Counter } from '../../src/client/recipes/counter.js';
import { DoubleBarrier } from '../../src/client/recipes/double-barrier.js';
import { PriorityQueue } from '../../src/client/recipes/priority-queue.js';
import { Queue } from '../../src/client/recipes/queue.js';
import { ServiceRegistry } from '../../src/client/recipes/registry.js';
import { Semaphore } from '../../src/client/recipes/semaphore.js';
import { Session } from '../../src/client/recipes/session.js';
import { TwoPhaseCommit } from '../../src/client/recipes/two-phase-commit.js';
import { Cluster } from '../helpers/cluster-process.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { FileStore } from './recipes-file-store.js';
import { RecipeWorker } from './recipes-worker-process.js';

/** Whether a promise has settled, without waiting for it. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

describe('coordination recipes on a 3-member cluster', () => {
  let cluster: Cluster;
  let storesRoot: string;
  const clients: Client[] = [];
  const endpoints = (): string[] => cluster.members.map((member) => member.endpoint);
  const open = (): Client => {
    const client = new Client({ endpoints: endpoints() });
    clients.push(client);
    return client;
  };
  const count = async (prefix: string): Promise<number> =>
    (await clients[0]!.range(prefix, { prefix: true, countOnly: true })).count;

  before(async () => {
    storesRoot = mkdtempSync(join(tmpdir(), 'concord-2pc-'));
    cluster = await Cluster.start({ size: 3 });
    open();
  });
  after(async () => {
    await RecipeWorker.killAll();
    for (const client of clients) client.close();
    await cluster?.destroy();
    rmSync(storesRoot, { recursive: true, force: true });
  });

  test('barrier: nobody passes while it is held, everybody passes once it is released', async () => {
    const holder = new Barrier(open(), 'barrier/start');
    assert.equal(await holder.hold(), true);
    assert.equal(await holder.hold(), false, 'a barrier is held once');
    let released = false;
    const passedEarly: number[] = [];
    const waiters = Array.from({ length: 4 }, (_, i) =>
      new Barrier(open(), 'barrier/start').wait().then(() => {
        if (!released) passedEarly.push(i);
      }),
    );
    // Writes next to the barrier (after the waiters have read it) must not free anyone.
    for (let i = 0; i < 5; i++) await clients[0]!.put(`barrier/start-${i}`, 'x');
    await clients[0]!.get('barrier/start');
    assert.deepEqual(passedEarly, [], 'none passed a held barrier');
    released = true;
    await holder.release();
    await Promise.all(waiters);
    assert.deepEqual(passedEarly, []);
    // A barrier that is not held does not block.
    await new Barrier(open(), 'barrier/start').wait();
  });

  test('double barrier: nobody starts before all have entered, nobody goes before all left', async () => {
    const sessions = await Promise.all([0, 1, 2].map(() => Session.create(open(), { ttl: 10 })));
    const barriers = sessions.map((session) => new DoubleBarrier(session, 'dbarrier/phase', 3));
    const first = tracked(barriers[0]!.enter());
    const second = tracked(barriers[1]!.enter());
    await eventually(
      'two participants to enter',
      () => count('dbarrier/phase/waiters/'),
      (n) => n === 2,
    );
    assert.equal(first.settled() || second.settled(), false, 'two of three must wait');
    await barriers[2]!.enter();
    await Promise.all([first.promise, second.promise]);

    const leaving = tracked(barriers[0]!.leave());
    const leaving2 = tracked(barriers[1]!.leave());
    await eventually(
      'two to start leaving',
      () => count('dbarrier/phase/waiters/'),
      (n) => n <= 2,
    );
    assert.equal(leaving.settled() || leaving2.settled(), false, 'nobody leaves before all do');
    await barriers[2]!.leave();
    await Promise.all([leaving.promise, leaving2.promise]);
    assert.equal(await count('dbarrier/phase/'), 0, 'the barrier cleans up after itself');
    await Promise.all(sessions.map((session) => session.close()));
  });

  test('queue: FIFO, and each item delivered to exactly one of four consumers in two processes', async () => {
    const queue = new Queue(open(), 'queue/jobs');
    // Blocking dequeue on an empty queue, answered by a later enqueue.
    const waiting = queue.dequeue();
    await queue.enqueue('first');
    assert.equal((await waiting).toString(), 'first');
    await queue.enqueue('a');
    await queue.enqueue('b');
    assert.equal((await queue.tryDequeue())?.toString(), 'a', 'first in, first out');
    assert.equal((await queue.tryDequeue())?.toString(), 'b');
    assert.equal(await queue.tryDequeue(), undefined);

    // Two processes with two consumers (clients) each.
    const consumers = [0, 1].map(
      () =>
        new RecipeWorker('queue-consume', {
          endpoints: endpoints(),
          queue: 'queue/jobs',
          parallel: 2,
        }),
    );
    const items = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    const producer = open();
    const producers = new Queue(producer, 'queue/jobs');
    for (const item of items) await producers.enqueue(item);
    for (let i = 0; i < 4; i++) await producers.enqueue('stop');
    await Promise.all(consumers.map((consumer) => consumer.finished()));
    const delivered = consumers.flatMap((consumer) =>
      consumer.messages.filter((m) => 'item' in m).map((m) => m['item'] as string),
    );
    assert.equal(delivered.length, items.length, 'no item delivered twice or lost');
    assert.deepEqual([...delivered].sort(), [...items].sort());
    assert.equal(await queue.size(), 0);
  });

  test('priority queue: the most urgent first, FIFO within a priority, each item once', async () => {
    const queue = new PriorityQueue(open(), 'pqueue/tasks');
    await queue.enqueue('low-1', 9);
    await queue.enqueue('urgent', 0);
    await queue.enqueue('low-2', 9);
    await queue.enqueue('mid', 5);
    const consumers = [open(), open()].map((client) => new PriorityQueue(client, 'pqueue/tasks'));
    const got = await Promise.all([consumers[0]!.dequeue(), consumers[1]!.dequeue()]);
    assert.deepEqual(got.map(String).sort(), ['mid', 'urgent']);
    assert.equal((await queue.dequeue()).toString(), 'low-1');
    assert.equal((await queue.dequeue()).toString(), 'low-2');
    assert.equal(await queue.tryDequeue(), undefined);
  });

  test('semaphore: never more holders than permits, four contenders in two processes', async () => {
    const permits = 2;
    const workers = [0, 1].map(
      () =>
        new RecipeWorker('semaphore-rounds', {
          endpoints: endpoints(),
          name: 'sem/pool',
          permits,
          rounds: 3,
          occupancy: 'sem/occupancy/',
          parallel: 2,
        }),
    );
    await Promise.all(workers.map((worker) => worker.finished()));
    const holds = workers.flatMap((worker) =>
      worker.messages
        .filter((m) => 'admittedAt' in m)
        .map((m) => ({
          admittedAt: m['admittedAt'] as number,
          released: m['released'] as number,
          present: m['present'] as number,
        })),
    );
    assert.equal(holds.length, 12);
    // Seen from inside: nobody ever counted more than `permits` holders present.
    assert.ok(
      holds.every((h) => h.present >= 1 && h.present <= permits),
      JSON.stringify(holds),
    );
    // Seen from the revisions: at no revision were more than `permits` holds in force.
    for (const { admittedAt } of holds) {
      const inForce = holds.filter((h) => h.admittedAt <= admittedAt && admittedAt < h.released);
      assert.ok(inForce.length <= permits, `${inForce.length} holders at ${admittedAt}`);
    }
    assert.equal(await count('sem/pool/'), 0);
  });

  test("semaphore: a dead holder's permit is freed only when its lease expires", async () => {
    const holder = new RecipeWorker('semaphore-hold', {
      endpoints: endpoints(),
      name: 'sem/single',
      permits: 1,
      ttl: 2,
    });
    const { holding } = await holder.message('holding');
    const session = await Session.create(open(), { ttl: 10 });
    const waiting = tracked(new Semaphore(session, 'sem/single', 1).acquire());
    await eventually(
      'the waiter to queue',
      () => count('sem/single/'),
      (n) => n === 2,
    );
    assert.equal(waiting.settled(), false, 'one permit, held by the worker');
    await holder.kill();
    const permit = await waiting.promise;
    // When we were admitted, the dead holder's key (its permit) was already gone.
    const client = clients[0]!;
    assert.equal(await client.get(holding as string, { revision: permit.admittedAt }), undefined);
    assert.ok(await client.get(holding as string, { revision: permit.revision }));
    await permit.release();
    await session.close();
  });

  test('counter: concurrent increments from four clients in two processes and this one', async () => {
    const times = 10;
    const workers = [0, 1].map(
      () =>
        new RecipeWorker('counter-add', {
          endpoints: endpoints(),
          key: 'counter/hits',
          times,
          parallel: 2,
        }),
    );
    const counter = new Counter(open(), 'counter/hits');
    const mine: number[] = [];
    for (let i = 0; i < times; i++) mine.push(await counter.increment());
    await Promise.all(workers.map((worker) => worker.finished()));
    const values = [
      ...mine,
      ...workers.flatMap((worker) =>
        worker.messages.flatMap((message) => (message['values'] as number[] | undefined) ?? []),
      ),
    ];
    const total = 5 * times;
    assert.equal(await counter.get(), total);
    // Every increment saw a distinct result: no two read-modify-writes overlapped.
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    assert.equal(await counter.add(-10), total - 10);
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
  test('config watcher: the cache converges through a member crash and a compaction', async () => {
    const writer = open();
    await writer.put('config/app/color', 'blue');
    await writer.put('config/app/size', 'L');
    await writer.put('config/other', 'not mine');
    const reader = open();
    const config = new ConfigWatcher(reader, 'config/app/');
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
    // Kill the member the watcher's client talks to: its watch moves to another member.
    const watched = reader.connection.endpointName(reader.connection.current);
    const victim = cluster.members.find((member) => member.endpoint === watched);
    assert.ok(victim !== undefined, `no member at ${watched}`);
    await victim.kill(); // not restarted: this is the file's last test
    const afterCrash = await writer.put('config/app/color', 'green');
    await eventually(
      'the cache to converge after the crash',
      () => config.revision,
      (revision) => revision >= afterCrash.revision,
    );
    assert.equal(config.get('color')?.toString(), 'green');

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
});
