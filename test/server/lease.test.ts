import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClientDuplexStream, Client } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import type { Harness } from './harness.js';
import { failure, rawClient, startServer, text, unaryCall, waitFor } from './harness.js';

interface KeepAliveOut {
  header: { revision: string };
  ID: string;
  TTL: string;
}

describe('Lease (etcd3 client and raw gRPC)', () => {
  let harness: Harness;
  let etcd: Etcd3;
  let lease: Client;

  before(async () => {
    harness = await startServer();
    etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    lease = rawClient('Lease', harness.endpoint);
  });
  after(async () => {
    lease.close();
    etcd.close();
    await harness.close();
  });

  it('grants, attaches a key, keeps alive once, reports TTL with keys, revokes (deleting the key)', async () => {
    const granted = etcd.lease(30, { autoKeepAlive: false });
    const id = await granted.grant();
    await granted.put('leased').value('v');
    const once = await granted.keepaliveOnce();
    assert.equal(once.TTL, '30');
    const ttl = await unaryCall<{ ID: string; TTL: string; grantedTTL: string; keys: Buffer[] }>(
      lease,
      'LeaseTimeToLive',
      { ID: id, keys: true },
    );
    assert.deepEqual(
      [ttl.ID, ttl.TTL, ttl.grantedTTL, ttl.keys.map(String)],
      [id, '30', '30', ['leased']],
    );
    const listed = await unaryCall<{ leases: { ID: string }[] }>(lease, 'LeaseLeases', {});
    assert.ok(listed.leases.some((l) => l.ID === id));
    await granted.revoke();
    assert.equal(await etcd.get('leased').string(), null);
  });

  it('grants a client-chosen ID at the int64 extreme and refuses it twice', async () => {
    const id = '9223372036854775807';
    const granted = await unaryCall<{ ID: string; TTL: string }>(lease, 'LeaseGrant', {
      ID: id,
      TTL: '5',
    });
    assert.deepEqual([granted.ID, granted.TTL], [id, '5']);
    assert.deepEqual(await failure(unaryCall(lease, 'LeaseGrant', { ID: id, TTL: '5' })), {
      code: 9,
      details: 'etcdserver: lease already exists',
    });
    assert.deepEqual(
      await failure(unaryCall(lease, 'LeaseGrant', { ID: '0', TTL: '9223372036854775807' })),
      { code: 11, details: 'etcdserver: too large lease TTL' },
    );
  });

  it('answers unknown leases as etcd: NOT_FOUND on revoke and put, TTL -1, keep-alive TTL 0', async () => {
    assert.deepEqual(await failure(unaryCall(lease, 'LeaseRevoke', { ID: '12345' })), {
      code: 5,
      details: 'etcdserver: requested lease not found',
    });
    const kv = rawClient('KV', harness.endpoint);
    assert.deepEqual(
      await failure(unaryCall(kv, 'Put', { key: text('k'), value: text('v'), lease: '12345' })),
      { code: 5, details: 'etcdserver: requested lease not found' },
    );
    kv.close();
    const ttl = await unaryCall<{ TTL: string }>(lease, 'LeaseTimeToLive', { ID: '12345' });
    assert.equal(ttl.TTL, '-1');
    const stream = (
      lease as unknown as { LeaseKeepAlive(): ClientDuplexStream<object, KeepAliveOut> }
    ).LeaseKeepAlive();
    const answer = waitFor<KeepAliveOut>('keep-alive answer', (done) => stream.once('data', done));
    stream.write({ ID: '12345' });
    assert.deepEqual([(await answer).ID, (await answer).TTL], ['12345', '0']);
    stream.on('error', () => {}); // CANCELLED, from our own cancel
    stream.cancel();
  });

  it('answers keep-alives on one stream in order, then ends when the client half-closes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: String(10 + i) })).ID);
    }
    const stream = (
      lease as unknown as { LeaseKeepAlive(): ClientDuplexStream<object, KeepAliveOut> }
    ).LeaseKeepAlive();
    const answers: KeepAliveOut[] = [];
    const all = waitFor<void>('20 keep-alive answers', (done) =>
      stream.on('data', (answer: KeepAliveOut) => {
        answers.push(answer);
        if (answers.length === ids.length) done();
      }),
    );
    for (const id of ids) stream.write({ ID: id });
    await all;
    assert.deepEqual(
      answers.map((a) => a.ID),
      ids,
    );
    assert.deepEqual(
      answers.map((a) => a.TTL),
      ids.map((_, i) => String(10 + i)),
    );
    stream.end();
    await waitFor('the server to end the stream after the client half-closed', (done) =>
      stream.on('status', done),
    );
  });

  it('ends the keep-alive stream with the mapped status when the member fails', async () => {
    const { ID } = await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: '10' });
    const stream = (
      lease as unknown as { LeaseKeepAlive(): ClientDuplexStream<object, KeepAliveOut> }
    ).LeaseKeepAlive();
    const ended = waitFor<{ code: number; details: string }>('keep-alive stream error', (done) =>
      stream.on('error', done),
    );
    harness.member.failNext('leaseKeepAlive', 'NoLeader');
    stream.write({ ID });
    const { code, details } = await ended;
    assert.deepEqual([code, details], [14, 'etcdserver: no leader']);
  });
});
