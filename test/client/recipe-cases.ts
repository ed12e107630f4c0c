/**
 * The recipes' safety properties under concurrency, run by client.test.ts against each
 * server (targets.ts: a 3-member Concord cluster and Debian's etcd): mutual exclusion with fencing (no stale token
 * accepted), read-write locking, at most one leader at a time and an isLeader check that
 * fails closed, and serializable STM transfers (the total never changes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Election,
  Mutex,
  RWMutex,
  Session,
  runStm,
  type Isolation,
} from '../../src/client/index.js';
import { eventually, waitFor } from '../helpers/wait.js';
import type { TargetContext } from './targets.js';

/** A resource protected by fencing: it refuses a token older than one it has accepted. */
class FencedResource {
  private highest = 0;
  holders = 0;
  accepted = 0;
  rejected = 0;

  write(token: number): boolean {
    if (token < this.highest) {
      this.rejected += 1;
      return false;
    }
    this.highest = token;
    this.accepted += 1;
    return true;
  }
}

/** Registers the recipes' tests; `ctx` opens clients on the running target. */
export function recipeCases(ctx: TargetContext): void {
  const open = (): ReturnType<TargetContext['open']> => ctx.open();

  test('session: close revokes its keys; an external revoke fires "lost"', async () => {
    const client = open();
    const session = await Session.create(client, { ttl: 5 });
    await client.put('session/ephemeral', 'x', { lease: session.id });
    await session.close();
    assert.equal(await client.get('session/ephemeral'), undefined, 'close revoked the lease');

    const doomed = await Session.create(client, { ttl: 5 });
    const lost = waitFor<Error>(
      'the session to be lost',
      (done) => doomed.on('lost', done),
      10_000,
    );
    await open().leases.revoke(doomed.id);
    assert.match((await lost).message, /lost \(expired\)/);
    assert.equal(doomed.isLost, true);
    await doomed.close(); // revoking a lease that is gone is not an error
  });

  test('mutex: one holder at a time, fencing tokens grow, a stale token is refused', async () => {
    const resource = new FencedResource();
    const tokens: number[] = [];
    const worker = async (): Promise<void> => {
      const client = open();
      const session = await Session.create(client, { ttl: 5 });
      const mutex = new Mutex(session, 'mutex/shared');
      for (let round = 0; round < 3; round++) {
        const token = await mutex.lock({ timeoutMs: 20_000 });
        resource.holders += 1;
        assert.equal(resource.holders, 1, 'two holders at once');
        await client.get('mutex/work'); // hold it across a round trip
        assert.ok(resource.write(token), `token ${token} refused while holding the lock`);
        tokens.push(token);
        resource.holders -= 1;
        await mutex.unlock();
      }
      await session.close();
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.equal(tokens.length, 12);
    assert.deepEqual(
      tokens,
      [...tokens].sort((a, b) => a - b),
      'tokens grow with each holder',
    );

    // A holder whose session is lost (its lease revoked behind its back) is replaced, and
    // its token is refused afterwards.
    const stale = new Mutex(await Session.create(open(), { ttl: 5 }), 'mutex/fenced');
    const staleToken = await stale.lock({ timeoutMs: 20_000 });
    const nextMutex = new Mutex(await Session.create(open(), { ttl: 5 }), 'mutex/fenced');
    const next = nextMutex.lock({ timeoutMs: 20_000 });
    await open().leases.revoke(stale.session.id);
    const nextToken = await next;
    assert.ok(nextToken > staleToken, `next token ${nextToken} <= stale token ${staleToken}`);
    assert.ok(resource.write(nextToken), 'the new holder was refused');
    assert.equal(resource.write(staleToken), false, 'the stale holder is fenced off');
    await waitFor<void>(
      'the stale session to be reported lost',
      (done) => void stale.lost.then(() => done()),
      10_000,
    );
    await nextMutex.unlock();
  });

  test('rwmutex: readers share, a writer excludes, a reader after a waiting writer waits', async () => {
    const a = new RWMutex(await Session.create(open(), { ttl: 5 }), 'rw/lock');
    const b = new RWMutex(await Session.create(open(), { ttl: 5 }), 'rw/lock');
    const w = new RWMutex(await Session.create(open(), { ttl: 5 }), 'rw/lock');
    const late = new RWMutex(await Session.create(open(), { ttl: 5 }), 'rw/lock');
    await a.readLock({ timeoutMs: 20_000 });
    await b.readLock({ timeoutMs: 20_000 }); // two readers at once
    const order: string[] = [];
    const writer = w.writeLock({ timeoutMs: 20_000 }).then(() => order.push('writer'));
    await eventually(
      'the writer to queue',
      () => w.session.client.range('rw/lock/write/', { prefix: true, countOnly: true }),
      (queued) => queued.count === 1,
    );
    const reader = late.readLock({ timeoutMs: 20_000 }).then(() => order.push('late reader'));
    await a.unlock();
    assert.deepEqual(order, [], 'the writer waits for the second reader');
    await b.unlock();
    await writer;
    assert.deepEqual(order, ['writer'], 'the late reader queued behind the writer');
    await w.unlock();
    await reader;
    assert.deepEqual(order, ['writer', 'late reader']);
    await late.unlock();
  });

  test('election: at most one leader at a time; isLeader fails closed after a lost session', async () => {
    const observerClient = open();
    const watcherSession = await Session.create(observerClient, { ttl: 5 });
    const observed: string[] = [];
    const terms: [number, number][] = []; // [create revision, mod revision] of each leader seen
    const stopObserving = new AbortController();
    const observing = (async () => {
      for await (const leader of new Election(watcherSession, 'election/e').observe({
        signal: stopObserving.signal,
      })) {
        observed.push(leader.value.toString());
        terms.push([leader.createRevision, leader.modRevision]);
      }
    })().catch((error: unknown) => {
      if (!stopObserving.signal.aborted) throw error;
    });

    let leaders = 0;
    const won: string[] = [];
    const candidate = async (name: string): Promise<void> => {
      const election = new Election(await Session.create(open(), { ttl: 5 }), 'election/e');
      for (let term = 0; term < 2; term++) {
        await election.campaign(`${name}-${term}`, { timeoutMs: 20_000 });
        leaders += 1;
        assert.equal(leaders, 1, 'two leaders at once');
        assert.equal(await election.isLeader(), true);
        assert.equal((await election.leader())?.value.toString(), `${name}-${term}`);
        await election.proclaim(`${name}-${term}-proclaimed`);
        won.push(name);
        leaders -= 1;
        await election.resign();
      }
      await election.session.close();
    };
    await Promise.all([candidate('a'), candidate('b'), candidate('c')]);
    assert.equal(won.length, 6);

    // A leader whose session is lost: isLeader answers false (not a stale true), and the
    // next candidate leads.
    const first = new Election(await Session.create(open(), { ttl: 5 }), 'election/e');
    await first.campaign('first', { timeoutMs: 20_000 });
    const second = new Election(await Session.create(open(), { ttl: 5 }), 'election/e');
    const secondWins = second.campaign('second', { timeoutMs: 20_000 });
    await open().leases.revoke(first.session.id);
    assert.equal(await first.isLeader(), false, 'fails closed');
    await secondWins;
    assert.equal(await second.isLeader(), true);
    assert.equal(await first.isLeader(), false);
    await eventually(
      'the observer to see the second leader',
      () => observed.includes('second'),
      (seen) => seen,
    );
    stopObserving.abort();
    await waitFor<void>('the observer to stop', (done, fail) => void observing.then(done, fail));
    // The observer may skip quick changes, but never goes back: leaders in create revision
    // order, and one leader's values in mod revision order.
    for (let i = 1; i < terms.length; i++) {
      const [[create0, mod0], [create1, mod1]] = [terms[i - 1]!, terms[i]!];
      assert.ok(
        create1 > create0 || (create1 === create0 && mod1 > mod0),
        `observed ${JSON.stringify(observed)} at ${JSON.stringify(terms)}: went back at ${i}`,
      );
    }
    assert.equal(observed[observed.length - 1], 'second');
    await second.resign();
  });

  const isolations: Isolation[] = ['serializable-snapshot', 'serializable', 'repeatable-reads'];
  for (const isolation of isolations) {
    test(`stm (${isolation}): concurrent transfers keep the total`, async () => {
      const accounts = ['a', 'b', 'c', 'd'].map((name) => `stm/${isolation}/${name}`);
      const setup = open();
      for (const account of accounts) await setup.put(account, '100');
      let runs = 0;
      const worker = async (seed: number): Promise<void> => {
        const client = open();
        for (let i = 0; i < 6; i++) {
          const from = accounts[(seed + i) % accounts.length]!;
          const to = accounts[(seed + 2 * i + 1) % accounts.length]!;
          if (from === to) continue;
          await runStm(
            client,
            async (stm) => {
              runs += 1;
              const balance = Number(await stm.get(from));
              const other = Number(await stm.get(to));
              const amount = Math.min(balance, 1 + ((seed * 7 + i) % 13));
              stm.put(from, String(balance - amount));
              stm.put(to, String(other + amount));
            },
            { isolation },
          );
        }
      };
      await Promise.all([worker(0), worker(1), worker(2), worker(3)]);
      const balances = await setup.range(`stm/${isolation}/`, { prefix: true });
      const total = balances.kvs.reduce((sum, kv) => sum + Number(kv.value.toString()), 0);
      assert.equal(total, 400, `the total moved (${runs} runs)`);
      for (const kv of balances.kvs) {
        assert.ok(Number(kv.value.toString()) >= 0, `${kv.key.toString()} went negative`);
      }
    });
  }
}
