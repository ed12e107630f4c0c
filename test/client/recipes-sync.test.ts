/**
 * Barrier, double barrier, queue, priority queue, semaphore and counter against a real
 * 3-member Concord cluster, with several clients and several processes at once: a barrier
 * releases all or none, queue items are delivered exactly once, the semaphore never admits
 * more than its permits (also when a holder's process dies), and concurrent increments are
 * all counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { Barrier } from '../../src/client/recipes/barrier.js';
import { Counter } from '../../src/client/recipes/counter.js';
import { DoubleBarrier } from '../../src/client/recipes/double-barrier.js';
import { PriorityQueue } from '../../src/client/recipes/priority-queue.js';
import { Queue } from '../../src/client/recipes/queue.js';
import { Semaphore } from '../../src/client/recipes/semaphore.js';
import { Session } from '../../src/client/recipes/session.js';
import { Cluster } from '../helpers/cluster-process.js';
import { eventually } from '../helpers/wait.js';
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

describe('recipes (barrier, queue, semaphore, counter) on a 3-member cluster', () => {
  let cluster: Cluster;
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
    cluster = await Cluster.start({ size: 3 });
    open();
  });
  after(async () => {
    await RecipeWorker.killAll();
    for (const client of clients) client.close();
    await cluster?.destroy();
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

  test('queue: FIFO, and each item delivered to exactly one of three consumer processes', async () => {
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

    const consumers = [0, 1, 2].map(
      () => new RecipeWorker('queue-consume', { endpoints: endpoints(), queue: 'queue/jobs' }),
    );
    const items = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    const producer = open();
    const producers = new Queue(producer, 'queue/jobs');
    for (const item of items) await producers.enqueue(item);
    for (let i = 0; i < consumers.length; i++) await producers.enqueue('stop');
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

  test('semaphore: never more holders than permits across three contending processes', async () => {
    const permits = 2;
    const workers = [0, 1, 2].map(
      () =>
        new RecipeWorker('semaphore-rounds', {
          endpoints: endpoints(),
          name: 'sem/pool',
          permits,
          rounds: 6,
          occupancy: 'sem/occupancy/',
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
    assert.equal(holds.length, 18);
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

  test('counter: concurrent increments from three processes and this one are all counted', async () => {
    const times = 15;
    const workers = [0, 1, 2].map(
      () => new RecipeWorker('counter-add', { endpoints: endpoints(), key: 'counter/hits', times }),
    );
    const counter = new Counter(open(), 'counter/hits');
    const mine: number[] = [];
    for (let i = 0; i < times; i++) mine.push(await counter.increment());
    await Promise.all(workers.map((worker) => worker.finished()));
    const values = [
      ...mine,
      ...workers.flatMap((worker) => (worker.messages[0]?.['values'] as number[]) ?? []),
    ];
    assert.equal(await counter.get(), 4 * times);
    // Every increment saw a distinct result: no two read-modify-writes overlapped.
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      Array.from({ length: 4 * times }, (_, i) => i + 1),
    );
    assert.equal(await counter.add(-10), 4 * times - 10);
  });
});
