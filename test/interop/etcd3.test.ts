/**
 * The `etcd3` npm client (microsoft/etcd3) against a real Concord member process, used as its
 * users use it: KV, the Txn builder, leases with automatic keep-alive, the watch builder,
 * locks, elections, STM at every isolation level, namespaces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Etcd3,
  EtcdLeaseInvalidError,
  EtcdLockFailedError,
  type IKeyValue,
  type Isolation,
  type Lease,
} from 'etcd3';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually, waitFor } from '../helpers/wait.js';

describe('the etcd3 npm client against a Concord member', () => {
  let member: MemberProcess;
  const clients: Etcd3[] = [];
  const connect = (): Etcd3 => {
    const client = new Etcd3({ hosts: member.url });
    clients.push(client);
    return client;
  };
  let etcd: Etcd3;

  before(async () => {
    member = await MemberProcess.start();
    etcd = connect();
  });
  after(async () => {
    for (const client of clients) client.close();
    await MemberProcess.destroyAll();
  });

  it('KV: put, get, getAll with a prefix, count, delete', async () => {
    await etcd.put('kv/a').value('1');
    await etcd.put('kv/b').value('2');
    await etcd.put('kv/c').value('3');
    await etcd.put('kw').value('outside');
    assert.equal(await etcd.get('kv/a').string(), '1');
    assert.equal(await etcd.get('kv/missing').string(), null);
    assert.deepEqual(await etcd.getAll().prefix('kv/').strings(), {
      'kv/a': '1',
      'kv/b': '2',
      'kv/c': '3',
    });
    assert.deepEqual(await etcd.getAll().prefix('kv/').keys(), ['kv/a', 'kv/b', 'kv/c']);
    assert.equal(await etcd.getAll().prefix('kv/').count(), 3);
    assert.deepEqual(await etcd.getAll().prefix('kv/').sort('Key', 'Descend').limit(2).keys(), [
      'kv/c',
      'kv/b',
    ]);
    const json = await etcd.put('kv/j').value(JSON.stringify({ n: 1 }));
    assert.ok(Number(json.header.revision) > 0);
    assert.deepEqual(await etcd.get('kv/j').json(), { n: 1 });
    const deleted = await etcd.delete().key('kv/a').getPrevious();
    assert.deepEqual(
      deleted.map((kv) => [kv.key.toString(), kv.value.toString()]),
      [['kv/a', '1']],
    );
    const all = await etcd.delete().prefix('kv/');
    assert.equal(all.deleted, '3');
    assert.equal(await etcd.getAll().prefix('kv/').count(), 0);
    assert.equal(await etcd.get('kw').string(), 'outside');
  });

  it('Txn builder: if/then/else with compares on value, version, create and mod', async () => {
    await etcd.put('txn/k').value('v1');
    const put = await etcd.put('txn/k').value('v2');
    const modified = Number(put.header.revision);
    const yes = await etcd
      .if('txn/k', 'Value', '==', 'v2')
      .and('txn/k', 'Version', '==', 2)
      .and('txn/k', 'Create', '==', modified - 1)
      .and('txn/k', 'Mod', '>', modified - 1)
      .then(etcd.put('txn/k').value('v3'), etcd.get('txn/k'))
      .else(etcd.put('txn/else').value('x'))
      .commit();
    assert.equal(yes.succeeded, true);
    assert.equal(yes.responses.length, 2);
    assert.equal(yes.responses[1]?.response_range?.kvs[0]?.value.toString(), 'v3');
    const no = await etcd
      .if('txn/k', 'Value', '==', 'v2')
      .then(etcd.put('txn/then').value('never'))
      .else(etcd.put('txn/else').value('x'), etcd.get('txn/k'))
      .commit();
    assert.equal(no.succeeded, false);
    assert.equal(no.responses[1]?.response_range?.kvs[0]?.value.toString(), 'v3');
    assert.deepEqual(await etcd.getAll().prefix('txn/').keys(), ['txn/else', 'txn/k']);
    const missing = await etcd
      .if('txn/none', 'Create', '==', 0)
      .then(etcd.put('txn/none').value('1'))
      .commit();
    assert.equal(missing.succeeded, true);
  });

  it('a lease kept alive automatically outlives its TTL; released, it expires with its keys', async () => {
    const lease = etcd.lease(2);
    const granted = Date.now();
    await lease.put('lease/kept').value('v');
    // Keep-alives every TTL/3: wait until the lease has lived well past its TTL.
    await waitFor<void>(
      'keep-alives for 3.5 s (past the 2 s TTL)',
      (done) =>
        lease.on('keepaliveSucceeded', () => {
          if (Date.now() - granted > 3500) done();
        }),
      8000,
    );
    assert.equal(await etcd.get('lease/kept').string(), 'v');
    lease.release(); // stops the keep-alives without revoking
    const released = Date.now();
    await eventually(
      'the released lease to expire and delete its key',
      () => etcd.get('lease/kept').string(),
      (value) => value === null,
      { timeoutMs: 8000, intervalMs: 100 },
    );
    // The last keep-alive was at most TTL/3 before release(): expiry no sooner than 2/3 TTL.
    assert.ok(Date.now() - released >= 1300, `expired ${Date.now() - released} ms after release`);
  });

  it('a lease revoked elsewhere is reported lost by its keep-alive loop', async () => {
    const lease: Lease = etcd.lease(10);
    const id = await lease.grant();
    await lease.put('lease/lost').value('v');
    const lost = waitFor<Error>('the lease to be reported lost', (done) => lease.on('lost', done));
    const other = connect();
    await other.leaseClient.leaseRevoke({ ID: id });
    await lease.keepaliveOnce().catch(() => undefined);
    assert.ok((await lost) instanceof EtcdLeaseInvalidError);
    assert.equal(await etcd.get('lease/lost').string(), null);
    await assert.rejects(
      etcd.put('lease/again').value('v').lease(id).exec(),
      EtcdLeaseInvalidError,
    );
  });

  it('watch builder: prefix, start revision, put and delete events with previous values', async () => {
    const first = Number((await etcd.put('watch/a').value('1')).header.revision);
    await etcd.put('watch/a').value('2');
    const seen: string[] = [];
    const watcher = await etcd
      .watch()
      .prefix('watch/')
      .startRevision(String(first))
      .withPreviousKV()
      .create();
    try {
      const record = (type: string) => (kv: IKeyValue, previous?: IKeyValue) =>
        seen.push(
          `${type} ${kv.key.toString()}=${kv.value.toString()}@${kv.mod_revision} prev=${previous?.value.toString() ?? '-'}`,
        );
      watcher.on('put', record('put'));
      watcher.on('delete', record('delete'));
      await etcd.put('watch/b').value('3');
      await etcd.put('other').value('unwatched');
      await etcd.delete().key('watch/a');
      await eventually(
        '4 watch events',
        () => seen.length,
        (n) => n >= 4,
      );
      assert.deepEqual(seen, [
        `put watch/a=1@${first} prev=-`,
        `put watch/a=2@${first + 1} prev=1`,
        `put watch/b=3@${first + 2} prev=-`,
        `delete watch/a=@${first + 4} prev=2`,
      ]);
    } finally {
      await watcher.cancel();
    }
  });

  it('locks: mutual exclusion between two clients, and only one of many racers wins', async () => {
    const a = connect();
    const b = connect();
    const held = await a.lock('locks/one').ttl(10).acquire();
    await assert.rejects(b.lock('locks/one').ttl(10).acquire(), EtcdLockFailedError);
    await held.release();
    const second = await b.lock('locks/one').ttl(10).acquire();
    await assert.rejects(a.lock('locks/one').ttl(10).acquire(), EtcdLockFailedError);
    await second.release();

    const racers = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? a : b).lock('locks/race').ttl(10).acquire(),
      ),
    );
    const winners = racers.filter((r) => r.status === 'fulfilled');
    assert.equal(winners.length, 1, 'exactly one racer holds the lock');
    for (const r of racers) {
      if (r.status === 'rejected')
        assert.ok(r.reason instanceof EtcdLockFailedError, String(r.reason));
    }
    await (winners[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    // do() runs the critical section under the lock and releases it.
    assert.equal(await a.lock('locks/race').do(() => 'ran'), 'ran');
    assert.equal(await a.getAll().prefix('locks/').count(), 0);
  });

  it('elections: campaign, observe, resign, and the next candidate takes over', async () => {
    const a = connect();
    const b = connect();
    const observer = await etcd.election('elect/e', 5).observe();
    try {
      const alice = a.election('elect/e', 5).campaign('alice');
      await waitFor<void>('alice elected', (done) => alice.on('elected', () => done()));
      await eventually(
        'the observer to see alice',
        () => observer.leader(),
        (l) => l === 'alice',
      );
      assert.equal(await etcd.election('elect/e').leader(), 'alice');
      const bob = b.election('elect/e', 5).campaign('bob');
      let bobElected = false;
      bob.on('elected', () => (bobElected = true));
      await eventually(
        'bob to queue his candidacy',
        () => etcd.getAll().prefix('election/elect/e').count(),
        (n) => n === 2,
      );
      assert.equal(bobElected, false, 'bob must not be elected while alice leads');
      const changes: (string | undefined)[] = [];
      observer.on('change', (value) => changes.push(value));
      await alice.proclaim('alice2');
      await eventually(
        'the observer to see the proclamation',
        () => changes,
        (c) => c.includes('alice2'),
      );
      await alice.resign();
      await bob.wait();
      assert.equal(bobElected, true);
      await eventually(
        'the observer to see bob',
        () => observer.leader(),
        (l) => l === 'bob',
      );
      assert.deepEqual(changes, ['alice2', 'bob']);
      await bob.resign();
      assert.equal(await etcd.election('elect/e').leader(), undefined);
    } finally {
      await observer.cancel();
    }
  });

  const isolations: [string, Isolation][] = [
    ['SerializableSnapshot', 0 as Isolation],
    ['Serializable', 1 as Isolation],
    ['RepeatableReads', 2 as Isolation],
  ];
  for (const [name, isolation] of isolations) {
    it(`STM ${name}: concurrent increments from 4 clients give an exact count`, async () => {
      const key = `stm/${name}`;
      await etcd.put(key).value('0');
      const workers = Array.from({ length: 4 }, () => connect());
      const perWorker = 10;
      await Promise.all(
        workers.map(async (client) => {
          for (let i = 0; i < perWorker; i++) {
            await client.stm({ isolation, retries: 1000 }).transact(async (tx) => {
              const value = Number(await tx.get(key).string());
              await tx.put(key).value(String(value + 1));
            });
          }
        }),
      );
      assert.equal(await etcd.get(key).string(), String(workers.length * perWorker));
    });
  }

  it('STM ReadCommitted: every transaction commits atomically, but concurrent increments may be lost (as in etcd)', async () => {
    // ReadCommitted adds no read compares at commit (etcd's STM, and etcd3's), so a concurrent
    // read-modify-write can overwrite another: only atomicity and the upper bound are promised.
    await etcd.put('stm/rc').value('0');
    const workers = Array.from({ length: 4 }, () => connect());
    const perWorker = 10;
    await Promise.all(
      workers.map(async (client, w) => {
        for (let i = 0; i < perWorker; i++) {
          await client.stm({ isolation: 3 as Isolation }).transact(async (tx) => {
            const value = Number(await tx.get('stm/rc').string());
            await tx.put('stm/rc').value(String(value + 1));
            await tx.put(`stm/rc-log/${w}-${i}`).value(String(value + 1));
          });
        }
      }),
    );
    const total = workers.length * perWorker;
    assert.equal(await etcd.getAll().prefix('stm/rc-log/').count(), total);
    const final = Number(await etcd.get('stm/rc').string());
    assert.ok(final >= 1 && final <= total, `final ${final}`);
    const logged = Object.values(await etcd.getAll().prefix('stm/rc-log/').strings()).map(Number);
    assert.ok(logged.includes(final), `the counter's value ${final} was written by a logged txn`);
  });

  it('namespaces: keys are prefixed on the wire and isolated from each other', async () => {
    const app = etcd.namespace('ns/app/');
    const other = etcd.namespace('ns/other/');
    await app.put('k').value('in app');
    await other.put('k').value('in other');
    assert.equal(await app.get('k').string(), 'in app');
    assert.equal(await other.get('k').string(), 'in other');
    assert.equal(await etcd.get('ns/app/k').string(), 'in app');
    assert.deepEqual(await app.getAll().keys(), ['k']);
    const txn = await app.if('k', 'Value', '==', 'in app').then(app.put('t').value('1')).commit();
    assert.equal(txn.succeeded, true);
    assert.deepEqual(await etcd.getAll().prefix('ns/').keys(), [
      'ns/app/k',
      'ns/app/t',
      'ns/other/k',
    ]);
    const lock = await app.lock('l').acquire();
    assert.equal(await etcd.getAll().prefix('ns/app/l').count(), 1);
    await lock.release();
    await app.delete().all();
    assert.deepEqual(await etcd.getAll().prefix('ns/').keys(), ['ns/other/k']);
  });
});
