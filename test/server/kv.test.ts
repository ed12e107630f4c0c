import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import type { Client } from '@grpc/grpc-js';
import { fakeClusterId, fakeMemberId, fakeRaftTerm } from './fake/fake-member.js';
import type { Harness } from './harness.js';
import { rawClient, startServer, text, unaryCall } from './harness.js';

interface WireHeader {
  clusterId: string;
  memberId: string;
  revision: string;
  raftTerm: string;
}
interface WireKv {
  key: Buffer;
  value: Buffer;
  createRevision: string;
  modRevision: string;
  version: string;
  lease: string;
}
interface RangeOut {
  header: WireHeader;
  kvs: WireKv[];
  more: boolean;
  count: string;
}

describe('KV over gRPC (etcd3 client and raw gRPC)', () => {
  let harness: Harness;
  let etcd: Etcd3;
  let kv: Client;

  before(async () => {
    harness = await startServer();
    etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    kv = rawClient('KV', harness.endpoint);
  });

  after(async () => {
    kv.close();
    etcd.close();
    await harness.close();
  });

  it('puts and gets a key, with a header carrying the 64-bit IDs exactly', async () => {
    await etcd.put('greeting').value('hello');
    assert.equal(await etcd.get('greeting').string(), 'hello');
    const raw = await unaryCall<RangeOut>(kv, 'Range', { key: text('greeting') });
    assert.deepEqual(raw.header, {
      clusterId: fakeClusterId.toString(),
      memberId: fakeMemberId.toString(),
      revision: String(harness.member.store.revision),
      raftTerm: String(fakeRaftTerm),
    });
    assert.equal(raw.kvs[0]?.value.toString(), 'hello');
    assert.equal(raw.kvs[0]?.version, '1');
  });

  it('serves prefix, limit, sort, keys-only, count-only and an older revision', async () => {
    await etcd.put('fruit/apple').value('1');
    const afterApple = harness.member.store.revision;
    await etcd.put('fruit/banana').value('22');
    await etcd.put('fruit/cherry').value('333');

    assert.deepEqual(await etcd.getAll().prefix('fruit/').keys(), [
      'fruit/apple',
      'fruit/banana',
      'fruit/cherry',
    ]);
    assert.deepEqual(await etcd.getAll().prefix('fruit/').sort('Key', 'Descend').limit(2).keys(), [
      'fruit/cherry',
      'fruit/banana',
    ]);
    assert.equal(await etcd.getAll().prefix('fruit/').count(), 3);
    const keysOnly = await unaryCall<RangeOut>(kv, 'Range', {
      key: text('fruit/'),
      rangeEnd: text('fruit0'),
      keysOnly: true,
      limit: '1',
    });
    assert.equal(keysOnly.kvs.length, 1);
    assert.equal(keysOnly.kvs[0]?.value.length, 0);
    assert.equal(keysOnly.more, true);
    assert.equal(keysOnly.count, '3');
    const countOnly = await unaryCall<RangeOut>(kv, 'Range', {
      key: text('fruit/'),
      rangeEnd: text('fruit0'),
      countOnly: true,
    });
    assert.deepEqual([countOnly.kvs.length, countOnly.count], [0, '3']);
    const old = await unaryCall<RangeOut>(kv, 'Range', {
      key: text('fruit/'),
      rangeEnd: text('fruit0'),
      revision: String(afterApple),
    });
    assert.deepEqual(
      old.kvs.map((k) => k.key.toString()),
      ['fruit/apple'],
    );
  });

  it('deletes one key, a prefix with previous values, and reports the count', async () => {
    await etcd.put('tmp/a').value('x');
    await etcd.put('tmp/b').value('y');
    await etcd.put('tmp/c').value('z');
    assert.equal((await etcd.delete().key('tmp/a').exec()).deleted, '1');
    const response = await unaryCall<{ deleted: string; prevKvs: WireKv[] }>(kv, 'DeleteRange', {
      key: text('tmp/'),
      rangeEnd: text('tmp0'),
      prevKv: true,
    });
    assert.equal(response.deleted, '2');
    assert.deepEqual(
      response.prevKvs.map((k) => k.value.toString()),
      ['y', 'z'],
    );
    assert.equal(await etcd.getAll().prefix('tmp/').count(), 0);
  });

  it('runs a txn: compare, then-branch and else-branch, nested responses', async () => {
    await etcd.put('lock').value('free');
    const taken = await etcd
      .if('lock', 'Value', '==', 'free')
      .then(etcd.put('lock').value('mine'), etcd.get('lock'))
      .else(etcd.get('lock'))
      .commit();
    assert.equal(taken.succeeded, true);
    assert.equal(taken.responses.length, 2);
    const again = await etcd
      .if('lock', 'Value', '==', 'free')
      .then(etcd.put('lock').value('again'))
      .else(etcd.get('lock'))
      .commit();
    assert.equal(again.succeeded, false);
    assert.equal(again.responses[0]?.response_range?.kvs[0]?.value.toString(), 'mine');
    const byMod = await unaryCall<{ succeeded: boolean }>(kv, 'Txn', {
      compare: [
        {
          key: text('lock'),
          target: 'MOD',
          result: 'EQUAL',
          modRevision: String(harness.member.store.revision),
        },
      ],
      success: [{ requestPut: { key: text('lock2'), value: text('v') } }],
    });
    assert.equal(byMod.succeeded, true);
  });

  it('puts with prev_kv and ignore_value', async () => {
    await etcd.put('pv').value('one');
    const response = await unaryCall<{ prevKv: WireKv | null }>(kv, 'Put', {
      key: text('pv'),
      value: text('two'),
      prevKv: true,
    });
    assert.equal(response.prevKv?.value.toString(), 'one');
    await unaryCall(kv, 'Put', { key: text('pv'), ignoreValue: true });
    assert.equal(await etcd.get('pv').string(), 'two');
  });

  it('compacts, then refuses a read at a compacted revision with etcd status and message', async () => {
    await etcd.put('c').value('1');
    const compactAt = harness.member.store.revision;
    await etcd.put('c').value('2');
    await unaryCall(kv, 'Compact', { revision: String(compactAt) });
    assert.equal(harness.member.store.compacted, compactAt);
    await assert.rejects(
      unaryCall(kv, 'Range', { key: text('c'), revision: String(compactAt - 1) }),
      { code: 11, details: 'etcdserver: mvcc: required revision has been compacted' },
    );
    await assert.rejects(
      etcd
        .get('c')
        .revision(compactAt - 1)
        .string(),
      /required revision has been compacted/,
    );
  });
});
