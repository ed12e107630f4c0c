/**
 * Bad input against a real member process: each request gets etcd's exact gRPC status and
 * message (or, for a broken connection, a closed stream), the member keeps serving, and the
 * store is unchanged (a full range and the revision, before and after).
 */
import assert from 'node:assert/strict';
import type { Client, ClientDuplexStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import { fullState, rawClient, refusal, unaryCall, type RangeOut } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { bytesField, grpcFrame, RawConnection, varintField } from '../helpers/raw-http2.js';
import { eventually, waitFor } from '../helpers/wait.js';

const requestBytesMax = 64 * 1024;
const txnOpsMax = 8;
const text = (value: string): Buffer => Buffer.from(value);
const put = (key: string, value = 'v'): object => ({
  requestPut: { key: text(key), value: text(value) },
});

describe("bad input to a real member: etcd's status and message, nothing changed", () => {
  let member: MemberProcess;
  let kv: Client;
  let lease: Client;

  before(async () => {
    member = await MemberProcess.start({
      args: ['--max-request-bytes', String(requestBytesMax), '--max-txn-ops', String(txnOpsMax)],
    });
    kv = rawClient('KV', member.endpoint);
    lease = rawClient('Lease', member.endpoint);
    for (let i = 0; i < 20; i++)
      await unaryCall(kv, 'Put', { key: text(`data/${i}`), value: text(String(i)) });
  });
  after(async () => {
    kv.close();
    lease.close();
    await MemberProcess.destroyAll();
  });

  /** Runs `bad` and asserts the store did not change and the member still answers. */
  const unchanged = async (bad: () => Promise<void>): Promise<void> => {
    const before = await fullState(kv);
    await bad();
    assert.deepEqual(await fullState(kv), before, 'bad input changed the store');
    const fresh = rawClient('KV', member.endpoint);
    try {
      await unaryCall(fresh, 'Range', { key: text('data/0') });
    } finally {
      fresh.close();
    }
  };
  const refused = (method: string, request: object, client = kv): Promise<[number, string]> =>
    refusal(unaryCall(client, method, request));

  it('an empty key, in every KV request', async () => {
    const empty: [number, string] = [status.INVALID_ARGUMENT, 'etcdserver: key is not provided'];
    await unchanged(async () => {
      assert.deepEqual(await refused('Range', { key: text('') }), empty);
      assert.deepEqual(await refused('Put', { key: text(''), value: text('v') }), empty);
      assert.deepEqual(await refused('DeleteRange', { key: text('') }), empty);
      assert.deepEqual(
        await refused('Txn', { compare: [{ key: text(''), target: 'VERSION', version: '0' }] }),
        empty,
      );
      assert.deepEqual(await refused('Txn', { success: [put('')] }), empty);
      assert.deepEqual(await refused('Txn', { failure: [put('ok'), put('')] }), empty);
    });
  });

  it('a request over --max-request-bytes, and one past the gRPC receive limit', async () => {
    await unchanged(async () => {
      assert.deepEqual(
        await refused('Put', { key: text('big'), value: Buffer.alloc(requestBytesMax + 1) }),
        [status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
      );
      assert.deepEqual(
        await refused('Txn', {
          success: [
            put('big1', 'x'.repeat(requestBytesMax / 2)),
            put('big2', 'x'.repeat(requestBytesMax / 2)),
          ],
        }),
        [status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
      );
      // etcd's gRPC limit is --max-request-bytes + 512 KiB; past it grpc itself refuses.
      const [code, message] = await refused('Put', {
        key: text('huge'),
        value: Buffer.alloc(requestBytesMax + 600 * 1024),
      });
      assert.equal(code, status.RESOURCE_EXHAUSTED, message);
    });
    await unaryCall(kv, 'Put', { key: text('fits'), value: Buffer.alloc(requestBytesMax - 100) });
    await unaryCall(kv, 'DeleteRange', { key: text('fits') });
  });

  it('a txn with more than --max-txn-ops operations, or one key written twice', async () => {
    const ops = Array.from({ length: txnOpsMax + 1 }, (_, i) => put(`op/${i}`));
    await unchanged(async () => {
      for (const request of [
        { success: ops },
        { failure: ops },
        { compare: ops.map((_, i) => ({ key: text(`op/${i}`), target: 'VERSION', version: '0' })) },
      ]) {
        assert.deepEqual(await refused('Txn', request), [
          status.INVALID_ARGUMENT,
          'etcdserver: too many operations in txn request',
        ]);
      }
      const duplicate: [number, string] = [
        status.INVALID_ARGUMENT,
        'etcdserver: duplicate key given in txn request',
      ];
      assert.deepEqual(await refused('Txn', { success: [put('d'), put('d')] }), duplicate);
      assert.deepEqual(
        await refused('Txn', {
          success: [{ requestDeleteRange: { key: text('a'), rangeEnd: text('z') } }, put('data/1')],
        }),
        duplicate,
      );
      assert.deepEqual(
        await refused('Txn', { success: [put('n'), { requestTxn: { success: [put('n')] } }] }),
        duplicate,
      );
    });
  });

  it('an unknown lease', async () => {
    const notFound: [number, string] = [status.NOT_FOUND, 'etcdserver: requested lease not found'];
    await unchanged(async () => {
      assert.deepEqual(
        await refused('Put', { key: text('leased'), value: text('v'), lease: '424242' }),
        notFound,
      );
      assert.deepEqual(
        await refused('Txn', {
          success: [{ requestPut: { key: text('leased'), lease: '424242' } }],
        }),
        notFound,
      );
      assert.deepEqual(await refused('LeaseRevoke', { ID: '424242' }, lease), notFound);
      const ttl = await unaryCall<{ TTL: string }>(lease, 'LeaseTimeToLive', { ID: '424242' });
      assert.equal(ttl.TTL, '-1');
    });
  });

  it('future and compacted revisions', async () => {
    const old = Number(
      (await unaryCall<RangeOut>(kv, 'Range', { key: text('data/0') })).header.revision,
    );
    await unaryCall(kv, 'Put', { key: text('data/0'), value: text('new') });
    const current = Number(
      (await unaryCall<RangeOut>(kv, 'Range', { key: text('data/0') })).header.revision,
    );
    await unaryCall(kv, 'Compact', { revision: String(current) });
    const compacted: [number, string] = [
      status.OUT_OF_RANGE,
      'etcdserver: mvcc: required revision has been compacted',
    ];
    const future: [number, string] = [
      status.OUT_OF_RANGE,
      'etcdserver: mvcc: required revision is a future revision',
    ];
    await unchanged(async () => {
      assert.deepEqual(
        await refused('Range', { key: text('data/0'), revision: String(old) }),
        compacted,
      );
      assert.deepEqual(await refused('Compact', { revision: String(old) }), compacted);
      assert.deepEqual(await refused('Compact', { revision: String(current) }), compacted);
      assert.deepEqual(
        await refused('Range', { key: text('data/0'), revision: String(current + 1) }),
        future,
      );
      assert.deepEqual(
        await refused('Range', { key: text('data/0'), revision: '9223372036854775807' }),
        future,
      );
      assert.deepEqual(await refused('Compact', { revision: String(current + 100) }), future);
      // A watch from a compacted revision is canceled with the compact revision.
      const watchClient = rawClient('Watch', member.endpoint);
      const call = (
        watchClient as unknown as { Watch(): ClientDuplexStream<object, WatchOut> }
      ).Watch();
      call.on('error', () => undefined); // CANCELLED, when the test cancels it
      try {
        call.write({ createRequest: { key: text('data/0'), startRevision: String(old) } });
        const responses = await waitFor<WatchOut[]>(
          'the watch to be created and canceled',
          (done) => {
            const seen: WatchOut[] = [];
            call.on('data', (response: WatchOut) => {
              seen.push(response);
              if (response.canceled) done(seen);
            });
          },
        );
        const last = responses.at(-1) as WatchOut;
        assert.equal(last.compactRevision, String(current));
        assert.equal(last.events.length, 0);
      } finally {
        call.cancel();
        watchClient.close();
      }
    });
  });

  it('malformed protobuf over raw HTTP/2 gets INTERNAL, as grpc-go answers', async () => {
    const connection = new RawConnection(member.endpoint);
    try {
      await unchanged(async () => {
        const cases: [string, Buffer][] = [
          // key (field 1, bytes) promising 255 bytes, with 1 there.
          ['a truncated field', grpcFrame(Buffer.from([0x0a, 0xff, 0x01, 0x41]))],
          // Wire type 7 does not exist.
          ['an unknown wire type', grpcFrame(Buffer.from([0x0f, 0x01]))],
        ];
        for (const [what, bytes] of cases) {
          const call = connection.call('/etcdserverpb.KV/Put');
          call.end(bytes);
          const ended = await call.ended(`grpc-status for ${what}`);
          assert.equal(ended.code, String(status.INTERNAL), `${what}: ${JSON.stringify(ended)}`);
        }
        // A frame promising 100 bytes, the stream ending after 3. grpc-go answers INTERNAL
        // "unexpected EOF"; grpc-js answers UNIMPLEMENTED "Received no request message for
        // server streaming method" (a known deviation, in grpc-js itself): a refusal either way.
        const truncated = connection.call('/etcdserverpb.KV/Put');
        truncated.end(
          Buffer.concat([Buffer.from([0, 0, 0, 0, 100]), Buffer.from([0x0a, 0x01, 0x41])]),
        );
        const ended = await truncated.ended('grpc-status for a truncated frame');
        assert.ok(
          [String(status.INTERNAL), String(status.UNIMPLEMENTED)].includes(ended.code),
          JSON.stringify(ended),
        );
      });
      // The same connection still serves a well-formed Put (key "ok", value "1").
      const good = connection.call('/etcdserverpb.KV/Put');
      good.end(grpcFrame(Buffer.concat([bytesField(1, text('ok')), bytesField(2, text('1'))])));
      assert.equal((await good.ended('grpc-status of a well-formed Put')).code, '0');
    } finally {
      connection.close();
    }
    const got = await unaryCall<RangeOut>(kv, 'Range', { key: text('ok') });
    assert.equal(got.kvs[0]?.value.toString(), '1');
    await unaryCall(kv, 'DeleteRange', { key: text('ok') });
  });

  for (const reset of [false, true]) {
    it(`a client that vanishes mid-stream (${reset ? 'TCP RST' : 'TCP FIN'}, no GOAWAY): its watch and keep-alive end`, async () => {
      const granted = await unaryCall<{ ID: string; TTL: string }>(lease, 'LeaseGrant', {
        TTL: '2',
      });
      await unaryCall(kv, 'Put', {
        key: text('vanish/leased'),
        value: text('v'),
        lease: granted.ID,
      });
      const connection = new RawConnection(member.endpoint);
      const watch = connection.call('/etcdserverpb.Watch/Watch');
      watch.write(
        grpcFrame(
          bytesField(
            1,
            Buffer.concat([bytesField(1, text('vanish/')), bytesField(2, text('vanish0'))]),
          ),
        ),
      );
      await watch.received(1, 'the raw watch to be created');
      const keepAlive = connection.call('/etcdserverpb.Lease/LeaseKeepAlive');
      keepAlive.write(grpcFrame(varintField(1, BigInt(granted.ID))));
      await keepAlive.received(1, 'the first keep-alive response');
      const seenBefore = watch.messages.length;
      connection.cut(reset);
      // The member notices, and the lease, no longer kept alive, expires with its key.
      const start = Date.now();
      await eventually(
        'the vanished client’s lease to expire',
        async () =>
          (await unaryCall<RangeOut>(kv, 'Range', { key: text('vanish/leased') })).kvs.length,
        (n) => n === 0,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      assert.ok(Date.now() - start < 10_000);
      assert.equal(watch.messages.length, seenBefore, 'nothing is delivered over a cut connection');
      await unchanged(async () => {
        // Many more watchers over connections that vanish: the member keeps serving.
        for (let i = 0; i < 20; i++) {
          const c = new RawConnection(member.endpoint);
          const w = c.call('/etcdserverpb.Watch/Watch');
          w.write(grpcFrame(bytesField(1, bytesField(1, text(`vanish/${i}`)))));
          await w.received(1, `raw watch ${i} to be created`);
          c.cut(reset);
        }
      });
      await unaryCall(kv, 'Put', { key: text('vanish/after'), value: text('v') });
      await unaryCall(kv, 'DeleteRange', { key: text('vanish/after') });
    });
  }
});

interface WatchOut {
  created: boolean;
  canceled: boolean;
  compactRevision: string;
  cancelReason: string;
  events: unknown[];
}
