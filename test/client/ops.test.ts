/**
 * The client's wire requests, without a server: how keys, ranges and compares are mapped
 * under a namespace (etcd's clientv3/namespace rules), prefix ends, and which fields are
 * left off the wire.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prefixEnd } from '../../src/client/bytes.js';
import { Namespace } from '../../src/client/namespace.js';
import {
  compare,
  deleteRequest,
  op,
  rangeRequest,
  txnRequest,
  wireRange,
} from '../../src/client/ops.js';

const none = new Namespace(Buffer.alloc(0));
const app = new Namespace(Buffer.from('app/'));
const text = (value: { key: Buffer; rangeEnd?: Buffer }): [string, string | undefined] => [
  value.key.toString('latin1'),
  value.rangeEnd?.toString('latin1'),
];

describe('prefixEnd', () => {
  const cases: [string, Buffer, Buffer][] = [
    ['increments the last byte', Buffer.from('abc'), Buffer.from('abd')],
    ['drops trailing 0xff bytes', Buffer.from([0x61, 0xff, 0xff]), Buffer.from([0x62])],
    ['all 0xff: to the end of the keyspace', Buffer.from([0xff, 0xff]), Buffer.from([0])],
    ['empty: to the end of the keyspace', Buffer.alloc(0), Buffer.from([0])],
  ];
  for (const [name, prefix, end] of cases) {
    test(name, () => assert.deepEqual(prefixEnd(prefix), end));
  }
});

describe('key ranges on the wire', () => {
  const cases: [
    string,
    Namespace,
    string,
    Parameters<typeof wireRange>[2],
    [string, string | undefined],
  ][] = [
    ['one key: no range end at all', none, 'k', {}, ['k', undefined]],
    ['a prefix', none, 'k/', { prefix: true }, ['k/', 'k0']],
    ['every key: \\0 to \\0 (etcd refuses an empty key)', none, '', { prefix: true }, ['\0', '\0']],
    ['from a key', none, 'k', { fromKey: true }, ['k', '\0']],
    ['one key in a namespace', app, 'k', {}, ['app/k', undefined]],
    ['a prefix in a namespace', app, 'k/', { prefix: true }, ['app/k/', 'app/k0']],
    ['every key of a namespace', app, '', { prefix: true }, ['app/', 'app0']],
    ['from a key, to the end of the namespace', app, 'k', { fromKey: true }, ['app/k', 'app0']],
    ['an explicit range end is prefixed', app, 'a', { rangeEnd: 'c' }, ['app/a', 'app/c']],
  ];
  for (const [name, ns, key, range, expected] of cases) {
    test(name, () => assert.deepEqual(text(wireRange(ns, Buffer.from(key), range)), expected));
  }

  test('an empty range end is left off the request, not sent empty', () => {
    assert.equal('rangeEnd' in rangeRequest(none, Buffer.from('k'), {}), false);
    assert.equal('rangeEnd' in deleteRequest(app, Buffer.from('k'), {}), false);
  });

  test('namespace strips keys from answers, and only its own prefix', () => {
    assert.equal(app.strip(Buffer.from('app/k')).toString(), 'k');
    assert.equal(none.strip(Buffer.from('app/k')).toString(), 'app/k');
  });
});

describe('transactions on the wire', () => {
  test('compares and every op of both branches are namespaced, nested txns too', () => {
    const request = txnRequest(app, {
      compares: [
        compare.createRevision('lock/', '=', 0, { prefix: true }),
        compare.value('v', '!=', 'x'),
      ],
      success: [op.put('a', '1'), op.txn({ compares: [], success: [op.delete('b')], failure: [] })],
      failure: [op.get('c', { prefix: true })],
    }) as {
      compare: { key: Buffer; rangeEnd?: Buffer; result: string; target: string }[];
      success: {
        requestPut?: { key: Buffer };
        requestTxn?: { success: { requestDeleteRange: { key: Buffer } }[] };
      }[];
      failure: { requestRange: { key: Buffer; rangeEnd: Buffer } }[];
    };
    assert.deepEqual(text(request.compare[0]!), ['app/lock/', 'app/lock0']);
    assert.equal(request.compare[0]!.target, 'CREATE');
    assert.equal(request.compare[1]!.result, 'NOT_EQUAL');
    assert.equal(request.success[0]!.requestPut!.key.toString(), 'app/a');
    assert.equal(
      request.success[1]!.requestTxn!.success[0]!.requestDeleteRange.key.toString(),
      'app/b',
    );
    assert.deepEqual(text(request.failure[0]!.requestRange), ['app/c', 'app/d']);
  });
});
