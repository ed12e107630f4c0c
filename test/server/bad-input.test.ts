import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Etcd3, EtcdLeaseInvalidError } from 'etcd3';
import { KiB } from '../../src/base/limits.js';
import type { Harness } from './harness.js';
import { failure, rawClient, startServer, text, unaryCall, waitFor } from './harness.js';

const requestBytesMax = 4 * KiB;

describe("bad input gets etcd's status and message, and the server keeps serving", () => {
  let harness: Harness;
  let kv: Client;

  before(async () => {
    harness = await startServer({ limits: { requestBytesMax, txnOpsMax: 8 } });
    kv = rawClient('KV', harness.endpoint);
  });
  after(async () => {
    kv.close();
    await harness.close();
  });

  const refused = async (method: string, request: object): Promise<[number, string]> => {
    const { code, details } = await failure(unaryCall(kv, method, request));
    return [code, details];
  };
  const put = (key: string, value = 'v'): object => ({
    requestPut: { key: text(key), value: text(value) },
  });

  it('refuses empty keys in every KV request', async () => {
    const empty: [number, string] = [status.INVALID_ARGUMENT, 'etcdserver: key is not provided'];
    assert.deepEqual(await refused('Range', { key: text('') }), empty);
    assert.deepEqual(await refused('Put', { key: text(''), value: text('v') }), empty);
    assert.deepEqual(await refused('DeleteRange', { key: text('') }), empty);
    assert.deepEqual(
      await refused('Txn', { compare: [{ key: text(''), target: 'VERSION' }] }),
      empty,
    );
    assert.deepEqual(await refused('Txn', { success: [put('')] }), empty);
  });

  it('refuses bad options: sort, ignore_value with a value, ignore_lease with a lease, an empty txn op', async () => {
    assert.deepEqual(await refused('Range', { key: text('k'), sortOrder: 7 }), [
      status.INVALID_ARGUMENT,
      'etcdserver: invalid sort option',
    ]);
    assert.deepEqual(
      await refused('Put', { key: text('k'), value: text('v'), ignoreValue: true }),
      [status.INVALID_ARGUMENT, 'etcdserver: value is provided'],
    );
    assert.deepEqual(await refused('Put', { key: text('k'), lease: '5', ignoreLease: true }), [
      status.INVALID_ARGUMENT,
      'etcdserver: lease is provided',
    ]);
    assert.deepEqual(await refused('Txn', { success: [{}] }), [
      status.INVALID_ARGUMENT,
      'etcdserver: key not found',
    ]);
    assert.deepEqual(await refused('Put', { key: text('nothing-here'), ignoreValue: true }), [
      status.INVALID_ARGUMENT,
      'etcdserver: key not found',
    ]);
  });

  it('refuses a txn with more ops than --max-txn-ops, or one key written twice', async () => {
    const ops = Array.from({ length: 9 }, (_, i) => put(`op${i}`));
    assert.deepEqual(await refused('Txn', { success: ops }), [
      status.INVALID_ARGUMENT,
      'etcdserver: too many operations in txn request',
    ]);
    await unaryCall(kv, 'Txn', { success: ops.slice(0, 8), failure: ops.slice(0, 8) });
    assert.deepEqual(await refused('Txn', { success: [put('d'), put('d')] }), [
      status.INVALID_ARGUMENT,
      'etcdserver: duplicate key given in txn request',
    ]);
    assert.deepEqual(
      await refused('Txn', {
        success: [{ requestDeleteRange: { key: text('a'), rangeEnd: text('z') } }, put('m')],
      }),
      [status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
    );
    assert.deepEqual(
      await refused('Txn', {
        success: [put('n'), { requestTxn: { success: [put('n')] } }],
      }),
      [status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
    );
    // Only one branch of a nested txn runs, so both may put the same key.
    await unaryCall(kv, 'Txn', {
      success: [{ requestTxn: { success: [put('n')], failure: [put('n')] } }],
    });
  });

  it('refuses a request over --max-request-bytes as etcd does, and one past the gRPC limit', async () => {
    assert.deepEqual(
      await refused('Put', { key: text('big'), value: Buffer.alloc(requestBytesMax + 1) }),
      [status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
    );
    const [code] = await refused('Put', { key: text('huge'), value: Buffer.alloc(600 * KiB) });
    assert.equal(code, status.RESOURCE_EXHAUSTED);
    await unaryCall(kv, 'Put', { key: text('fits'), value: Buffer.alloc(requestBytesMax - 64) });
  });

  it('refuses future and compacted revisions with OUT_OF_RANGE', async () => {
    assert.deepEqual(await refused('Range', { key: text('k'), revision: '9223372036854775807' }), [
      status.OUT_OF_RANGE,
      'etcdserver: mvcc: required revision is a future revision',
    ]);
    await unaryCall(kv, 'Put', { key: text('k'), value: text('1') });
    await unaryCall(kv, 'Put', { key: text('k'), value: text('2') });
    const current = harness.member.store.revision;
    await unaryCall(kv, 'Compact', { revision: String(current) });
    assert.deepEqual(await refused('Compact', { revision: String(current) }), [
      status.OUT_OF_RANGE,
      'etcdserver: mvcc: required revision has been compacted',
    ]);
    assert.deepEqual(await refused('Compact', { revision: String(current + 10) }), [
      status.OUT_OF_RANGE,
      'etcdserver: mvcc: required revision is a future revision',
    ]);
  });

  it("maps the member's operating errors, and reports a non-ConcordError as a bug (UNKNOWN)", async () => {
    harness.member.failNext('put', 'NoSpace');
    assert.deepEqual(await refused('Put', { key: text('k'), value: text('v') }), [
      status.RESOURCE_EXHAUSTED,
      'etcdserver: mvcc: database space exceeded',
    ]);
    harness.member.failNext('range', 'NoLeader');
    assert.deepEqual(await refused('Range', { key: text('k') }), [
      status.UNAVAILABLE,
      'etcdserver: no leader',
    ]);
    harness.member.failNext('txn', 'ProposalDropped');
    assert.deepEqual(await refused('Txn', { success: [put('p')] }), [
      status.UNKNOWN,
      'raft proposal dropped',
    ]);
    const original = harness.member.range;
    harness.member.range = () => Promise.reject(new TypeError('member bug'));
    try {
      assert.deepEqual(await refused('Range', { key: text('k') }), [status.UNKNOWN, 'member bug']);
    } finally {
      harness.member.range = original;
    }
    assert.equal(harness.bugs.length, 1);
    harness.bugs.length = 0;
  });

  it('answers a malformed protobuf message with INTERNAL (as grpc-go does) and keeps serving', async () => {
    const session = connect(`http://${harness.endpoint}`);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/etcdserverpb.KV/Range',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      // A gRPC frame (uncompressed, 3 bytes) holding a field header that promises more bytes
      // than there are.
      stream.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0xff, 0x01]));
      // The status comes in trailers, or in the headers of a trailers-only response.
      const grpcStatus = await waitFor<unknown>('grpc-status', (done) => {
        stream.on('response', (headers) => {
          if (headers['grpc-status'] !== undefined) done(headers['grpc-status']);
        });
        stream.on('trailers', (headers) => done(headers['grpc-status']));
      });
      assert.equal(grpcStatus, String(status.INTERNAL));
      stream.resume();
    } finally {
      session.close();
    }
    await unaryCall(kv, 'Put', { key: text('after-garbage'), value: text('ok') });
  });

  it('maps typed errors in the etcd3 client (it matches on our messages)', async () => {
    const etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    try {
      await assert.rejects(etcd.put('k').value('v').lease('424242').exec(), EtcdLeaseInvalidError);
    } finally {
      etcd.close();
    }
  });

  it('answers UNIMPLEMENTED for declared methods not served yet, unary and streaming', async () => {
    const maintenance = rawClient('Maintenance', harness.endpoint);
    assert.deepEqual(await failure(unaryCall(maintenance, 'Downgrade', {})), {
      code: status.UNIMPLEMENTED,
      details: 'method Downgrade not implemented',
    });
    maintenance.close();
    const kv = rawClient('KV', harness.endpoint);
    const stream = (kv as unknown as { RangeStream(r: object): NodeJS.EventEmitter }).RangeStream({
      key: Buffer.from('k'),
    });
    const error = await waitFor<{ code: number; details: string }>(
      'RangeStream stream error',
      (done) => stream.on('error', done),
    );
    assert.deepEqual(
      [error.code, error.details],
      [status.UNIMPLEMENTED, 'method RangeStream not implemented'],
    );
    kv.close();
  });
});
