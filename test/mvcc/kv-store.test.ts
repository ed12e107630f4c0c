// Put, DeleteRange and Txn revisions and versions, across delete and recreate (etcd's rules).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Harness, kvText, s, t } from './helpers.js';

describe('revisions and versions', () => {
  it('starts at revision 1; each write takes the next revision', () => {
    const h = new Harness();
    assert.equal(h.sm.currentRevision, 1);
    assert.equal(h.put('a', '1').revision, 2);
    assert.equal(h.put('b', '1').revision, 3);
    assert.equal(h.put('a', '2').revision, 4);
    assert.equal(kvText(h.get('a')), 'a=2@2/4/2');
    assert.equal(kvText(h.get('a', 3)), 'a=1@2/2/1');
    assert.equal(kvText(h.get('b')), 'b=1@3/3/1');
  });

  it('resets create revision and version when a key is deleted and created again', () => {
    const h = new Harness();
    h.put('k', 'v1'); // 2
    h.put('k', 'v2'); // 3
    assert.equal(h.del('k').deleted, 1); // 4
    assert.equal(h.get('k'), undefined);
    h.put('k', 'v3'); // 5
    assert.equal(kvText(h.get('k')), 'k=v3@5/5/1');
    assert.equal(kvText(h.get('k', 3)), 'k=v2@2/3/2');
    assert.equal(h.get('k', 4), undefined);
  });

  it('takes no revision for a delete that deletes nothing', () => {
    const h = new Harness();
    h.put('a', '1');
    const r = h.del('zzz');
    assert.deepEqual([r.deleted, r.revision, h.sm.currentRevision], [0, 2, 2]);
  });

  it('deletes a range in one revision, with prevKvs in key order', () => {
    const h = new Harness();
    for (const k of ['a', 'b', 'c', 'd']) h.put(k, k.toUpperCase());
    const r = h.del('b', 'd', { prevKv: true });
    assert.equal(r.deleted, 2);
    assert.equal(r.revision, 6);
    assert.deepEqual(r.prevKvs.map(kvText), ['b=B@3/3/1', 'c=C@4/4/1']);
    assert.deepEqual(h.keys('a', '\0'), ['a', 'd']);
  });

  it('returns prevKv on put, and applies ignoreValue and ignoreLease', () => {
    const h = new Harness();
    h.grant(7n, 100);
    h.put('k', 'v1', { lease: 7n });
    const r = h.put('k', 'ignored', { ignoreValue: true, prevKv: true, lease: 7n });
    assert.equal(kvText(r.prevKv), 'k=v1@2/2/1+7');
    assert.equal(kvText(h.get('k')), 'k=v1@2/3/2+7');
    h.put('k', 'v2', { ignoreLease: true });
    assert.equal(kvText(h.get('k')), 'k=v2@2/4/3+7');
    assert.equal(h.put('new', 'x', { prevKv: true }).prevKv, undefined);
    // A plain put replaces the lease too (with none), as in etcd.
    h.put('k', 'v3');
    assert.equal(kvText(h.get('k')), 'k=v3@2/6/4');
    assert.deepEqual(h.sm.timeToLive(7n)?.keys, []);
  });

  it('rejects ignoreValue/ignoreLease on a missing key and an unknown lease, writing nothing', () => {
    const h = new Harness();
    const put = (extra: object) => ({
      type: 'put' as const,
      request: { key: s('k'), value: s('v'), ...extra },
    });
    assert.equal(h.rejected(put({ ignoreValue: true })), 'KeyNotFound');
    assert.equal(h.rejected(put({ ignoreLease: true })), 'KeyNotFound');
    assert.equal(h.rejected(put({ lease: 99n })), 'LeaseNotFound');
    assert.equal(h.sm.currentRevision, 1);
    assert.equal(h.sm.appliedIndex, 3);
  });
});

describe('Txn', () => {
  it('is one revision with sub-revisions, and its reads see its earlier writes', () => {
    const h = new Harness();
    h.put('a', '0'); // 2
    const r = h.txn({
      compare: [],
      success: [
        { requestPut: { key: s('a'), value: s('1') } },
        { requestPut: { key: s('b'), value: s('1') } },
        { requestRange: { key: s('a'), rangeEnd: s('c') } },
        { requestDeleteRange: { key: s('x') } },
      ],
      failure: [],
    });
    assert.equal(r.revision, 3);
    assert.equal(r.succeeded, true);
    const range = r.responses[2]!;
    assert.ok('responseRange' in range);
    assert.deepEqual(range.responseRange.kvs.map(kvText), ['a=1@2/3/2', 'b=1@3/3/1']);
    assert.equal(kvText(h.get('b')), 'b=1@3/3/1');
  });

  it('takes no revision when it writes nothing', () => {
    const h = new Harness();
    h.put('a', '0');
    const r = h.txn({ compare: [], success: [{ requestRange: { key: s('a') } }], failure: [] });
    assert.equal(r.revision, 2);
    assert.equal(h.sm.currentRevision, 2);
  });

  it('runs the failure branch when a compare fails, and nested txns on their own compares', () => {
    const h = new Harness();
    h.put('a', '1');
    const r = h.txn({
      compare: [{ target: 'VALUE', result: 'EQUAL', key: s('a'), value: s('2') }],
      success: [{ requestPut: { key: s('s'), value: s('x') } }],
      failure: [
        {
          requestTxn: {
            compare: [{ target: 'VERSION', result: 'EQUAL', key: s('a'), version: 1 }],
            success: [{ requestPut: { key: s('n'), value: s('yes') } }],
            failure: [{ requestPut: { key: s('n'), value: s('no') } }],
          },
        },
        { requestPut: { key: s('f'), value: s('x') } },
      ],
    });
    assert.equal(r.succeeded, false);
    const nested = r.responses[0]!;
    assert.ok('responseTxn' in nested && nested.responseTxn.succeeded);
    assert.deepEqual(h.keys('a', '\0'), ['a', 'f', 'n']);
    assert.equal(kvText(h.get('n')), 'n=yes@3/3/1');
  });

  it('evaluates nested compares against the state before the txn', () => {
    const h = new Harness();
    const r = h.txn({
      compare: [],
      success: [
        { requestPut: { key: s('a'), value: s('1') } },
        {
          requestTxn: {
            compare: [{ target: 'VERSION', result: 'EQUAL', key: s('a'), version: 0 }],
            success: [{ requestPut: { key: s('saw-nothing'), value: s('') } }],
            failure: [],
          },
        },
      ],
      failure: [],
    });
    assert.equal(r.succeeded, true);
    assert.equal(h.keys('saw-nothing').length, 1);
  });

  it('is rejected as a whole when any op on its branch fails a check', () => {
    const h = new Harness();
    const code = h.rejected({
      type: 'txn',
      request: {
        compare: [],
        success: [
          { requestPut: { key: s('a'), value: s('1') } },
          { requestPut: { key: s('b'), value: s('1'), lease: 5n } },
        ],
        failure: [],
      },
    });
    assert.equal(code, 'LeaseNotFound');
    assert.equal(h.sm.currentRevision, 1);
    assert.deepEqual(h.keys('a', '\0'), []);
    const dup = h.rejected({
      type: 'txn',
      request: {
        compare: [],
        success: [
          { requestPut: { key: s('a'), value: s('1') } },
          { requestPut: { key: s('a'), value: s('2') } },
        ],
        failure: [],
      },
    });
    assert.equal(dup, 'DuplicateKey');
    const future = h.rejected({
      type: 'txn',
      request: {
        compare: [],
        success: [{ requestRange: { key: s('a'), revision: 9 } }],
        failure: [],
      },
    });
    assert.equal(future, 'FutureRevision');
  });

  it('serves read-only txns without Raft', () => {
    const h = new Harness();
    h.put('a', '1');
    const r = h.sm.readTxn({
      compare: [{ target: 'CREATE', result: 'GREATER', key: s('a'), createRevision: 0 }],
      success: [{ requestRange: { key: s('a') } }],
      failure: [],
    });
    assert.equal(r.succeeded, true);
    assert.equal(h.sm.currentRevision, 2);
  });
});

describe('keys the index keeps', () => {
  it('are copies, even of a Node Buffer (whose slice() is a view)', () => {
    const h = new Harness();
    const entry = Buffer.from('key-in-a-raft-entry');
    const key = entry.subarray(0, 3);
    h.put(t(key), 'v'); // through text: the harness's own bytes
    h.ok({ type: 'put', request: { key, value: s('w') } });
    h.ok({ type: 'put', request: { key: entry.subarray(4, 6), value: s('x') } });
    entry.fill(0); // the entry buffer is reused
    assert.deepEqual(h.keys('\0', '\0'), ['in', 'key']);
    assert.equal(t(h.get('key')?.value), 'w');
  });
});
