/**
 * The KV fast path (src/server/http2/fast-path.ts): the KV service's unary calls served on
 * their HTTP/2 streams past grpc-js. Each edge case is sent as raw HTTP/2 to two servers, one
 * with the fast path and one where grpc-js serves everything, and the answers (headers, DATA,
 * trailers) must be byte-for-byte the same; a probe interceptor tells which path served it.
 * Plus what has no grpc-js twin to compare with: cancellation, deadlines, metrics, shutdown.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import {
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { ConcordError } from '../../src/base/errors.js';
import type { PutRequest } from '../../src/mvcc/types.js';
import type { RequestOptions } from '../../src/node/api.js';
import { fastDispatch, installFastPath } from '../../src/server/http2/fast-path.js';
import { createMetrics } from '../../src/server/metrics/metrics.js';
import { etcdServices } from '../../src/server/proto.js';
import { waitFor } from '../helpers/wait.js';
import { FakeMember } from './fake/fake-member.js';
import { framed, serve, strip, type Answer, type Probe, type Served } from './fast-path-harness.js';
import { rawClient, unaryCall } from './harness.js';

const services = etcdServices();
const encode = (method: string, request: object): Buffer =>
  services.KV[method]!.requestSerialize(request);
/** A member whose puts of key "hang" wait until released or aborted. */
class HangingMember extends FakeMember {
  readonly aborts: string[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly onWait: (() => void)[] = [];
  private readonly onAbort: (() => void)[] = [];

  override put(request: PutRequest, options?: RequestOptions) {
    if (Buffer.from(request.key).toString() !== 'hang') return super.put(request);
    return new Promise<never>((_resolve, reject) => {
      const onAbort = {
        handleEvent: () => {
          this.aborts.push('put');
          reject(new ConcordError('Canceled'));
          for (const notify of this.onAbort.splice(0)) notify();
        },
      };
      if (options?.signal?.aborted === true) onAbort.handleEvent();
      else options?.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(() => super.put(request).then(_resolve as never, reject));
      for (const notify of this.onWait.splice(0)) notify();
    }) as ReturnType<FakeMember['put']>;
  }

  /** Resolves once a hanging put is waiting. */
  waitingPut(): Promise<void> {
    if (this.waiting.length > 0) return Promise.resolve();
    return waitFor('a hanging put to arrive', (done) => this.onWait.push(() => done(undefined)));
  }

  /** Resolves once a hanging put was aborted. */
  abortedPut(): Promise<void> {
    if (this.aborts.length > 0) return Promise.resolve();
    return waitFor('a hanging put to be aborted', (done) =>
      this.onAbort.push(() => done(undefined)),
    );
  }

  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }
}

/** A member that keeps each put's at-most-once identity (src/server/request-identity.ts). */
class IdentityMember extends FakeMember {
  readonly identities: RequestOptions['identity'][] = [];

  override put(request: PutRequest, options?: RequestOptions) {
    this.identities.push(options?.identity);
    return super.put(request);
  }
}

/** One raw HTTP/2 request: its body written as the given pieces, one DATA write each. */
async function raw(
  origin: string,
  path: string,
  pieces: Buffer[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  const session = http2.connect(origin);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    const answer: Answer = { headers: {}, trailers: {}, body: '', closeCode: 0 };
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (answer.headers = strip(h)));
    stream.on('trailers', (t) => (answer.trailers = strip(t)));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = waitFor<void>(`the answer to ${path}`, (done) => stream.once('close', done));
    stream.on('error', () => undefined); // the close code says it
    for (const piece of pieces) {
      await waitFor<void>('a DATA write', (done) => stream.write(piece, () => done()));
    }
    stream.end();
    await closed;
    answer.body = Buffer.concat(chunks).toString('hex');
    answer.closeCode = stream.rstCode ?? 0;
    return answer;
  } finally {
    session.close();
  }
}

describe('KV fast path', () => {
  let fast: Served;
  let plain: Served;

  before(async () => {
    fast = await serve(new FakeMember(), true);
    plain = await serve(new FakeMember(), false);
  });

  after(async () => {
    for (const served of [fast, plain]) {
      await served.server.close();
      served.member.close();
    }
  });

  it('finds the grpc-js internals it hooks into (fails when grpc-js changes them)', () => {
    const grpc = new Server();
    grpc.createConnectionInjector(ServerCredentials.createInsecure());
    const refusal = installFastPath(
      grpc,
      fastDispatch({
        services: [{ definition: services.KV, implementation: {} }],
        interceptors: [],
        receiveBytesMax: 1024,
        resolveCaller: () => ({ username: '', revision: 0 }),
        onBug: () => undefined,
      }),
    );
    assert.equal(refusal, undefined, `the fast path could not be installed: ${refusal}`);
    grpc.forceShutdown();
  });

  it('stays off when an interceptor cannot observe fast calls, and grpc-js serves them', async () => {
    const blind: ServerInterceptor = (_descriptor, call) => new ServerInterceptingCall(call);
    const grpc = new Server();
    grpc.createConnectionInjector(ServerCredentials.createInsecure());
    const refusal = installFastPath(
      grpc,
      fastDispatch({
        services: [{ definition: services.KV, implementation: {} }],
        interceptors: [blind],
        receiveBytesMax: 1024,
        resolveCaller: () => ({ username: '', revision: 0 }),
        onBug: () => undefined,
      }),
    );
    assert.equal(refusal, 'an interceptor has no direct observer');
    grpc.forceShutdown();
  });

  /** Sends the same request to both servers; returns the fast server's probe afterwards. */
  async function same(
    path: string,
    pieces: Buffer[],
    headers: Record<string, string> = {},
  ): Promise<{ answer: Answer; probe: Probe }> {
    fast.probe.clear();
    const [a, b] = [
      await raw(fast.origin, path, pieces, headers),
      await raw(plain.origin, path, pieces, headers),
    ];
    assert.deepEqual(a, b, `fast path and grpc-js answered ${path} differently`);
    return { answer: a, probe: fast.probe };
  }

  it('answers Put, Range (over several DATA frames), DeleteRange, Txn, Compact as grpc-js does', async () => {
    const put = framed(encode('Put', { key: Buffer.from('a'), value: Buffer.from('1') }));
    let { answer, probe } = await same('/etcdserverpb.KV/Put', [put]);
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.deepEqual(probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code: 0 }]);
    assert.deepEqual(probe.viaGrpc, []);

    const range = framed(encode('Range', { key: Buffer.from('a') }));
    ({ answer, probe } = await same('/etcdserverpb.KV/Range', [
      range.subarray(0, 2),
      range.subarray(2, 7),
      range.subarray(7),
    ]));
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.ok(answer.body.includes(Buffer.from('a').toString('hex')));
    assert.deepEqual(probe.viaFast, [{ path: '/etcdserverpb.KV/Range', code: 0 }]);

    // A large value arrives in many DATA frames.
    const big = framed(encode('Put', { key: Buffer.from('big'), value: Buffer.alloc(1 << 20, 7) }));
    const pieces: Buffer[] = [];
    for (let at = 0; at < big.length; at += 40_000) pieces.push(big.subarray(at, at + 40_000));
    ({ answer, probe } = await same('/etcdserverpb.KV/Put', pieces));
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.deepEqual(probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code: 0 }]);

    const txn = framed(
      encode('Txn', {
        compare: [
          { key: Buffer.from('a'), target: 'VALUE', result: 'EQUAL', value: Buffer.from('1') },
        ],
        success: [{ requestPut: { key: Buffer.from('b'), value: Buffer.from('2') } }],
      }),
    );
    ({ answer } = await same('/etcdserverpb.KV/Txn', [txn]));
    assert.equal(answer.trailers['grpc-status'], '0');
    const del = framed(encode('DeleteRange', { key: Buffer.from('b'), prevKv: true }));
    ({ answer } = await same('/etcdserverpb.KV/DeleteRange', [del]));
    assert.equal(answer.trailers['grpc-status'], '0');
    ({ answer, probe } = await same('/etcdserverpb.KV/Compact', [
      framed(encode('Compact', { revision: 1 })),
    ]));
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.equal(probe.viaFast.length, 1);
  });

  it("fails bad requests with grpc-js's statuses and messages", async () => {
    const put = framed(encode('Put', { key: Buffer.from('k'), value: Buffer.from('v') }));
    const cases: [string, Buffer[], Record<string, string>, number][] = [
      ['no message', [], {}, 12],
      ['two messages', [Buffer.concat([put, put])], {}, 12],
      ['undecodable bytes', [framed(Buffer.from([0xff, 0xff, 0xff, 0xff]))], {}, 13],
      ['a length past the limit', [Buffer.from([0, 0x7f, 0xff, 0xff, 0xff])], {}, 8],
      [
        'a split length past the limit',
        [Buffer.from([0, 0x7f]), Buffer.from([0xff, 0xff, 0xff])],
        {},
        8,
      ],
      ['an empty key (etcd)', [framed(encode('Put', { value: Buffer.from('v') }))], {}, 3],
      ['half an identity (percent-encoded message)', [put], { 'concord-client-id': 'c d' }, 3],
    ];
    for (const [what, pieces, headers, code] of cases) {
      const { answer, probe } = await same('/etcdserverpb.KV/Put', pieces, headers);
      assert.equal(answer.headers['grpc-status'], String(code), what);
      assert.deepEqual(probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code }], what);
    }
  });

  it('reads the at-most-once identity headers as grpc-js does, without its Metadata', async () => {
    const [idFast, idPlain] = [new IdentityMember(), new IdentityMember()];
    const servers = [await serve(idFast, true), await serve(idPlain, false)];
    try {
      const put = framed(encode('Put', { key: Buffer.from('k'), value: Buffer.from('v') }));
      const id = (clientId: string, seq: string) => ({
        'concord-client-id': clientId,
        'concord-request-seq': seq,
      });
      const cases: [string, Record<string, string>, number][] = [
        ['no identity', {}, 0],
        ['an identity', id('client-1', '7'), 0],
        ['a 128-character client id', id('c'.repeat(128), '9007199254740991'), 0],
        ['a sequence without a client id', { 'concord-request-seq': '1' }, 3],
        ['an empty client id', id('', '1'), 3],
        ['a 129-character client id', id('c'.repeat(129), '1'), 3],
        ['a zero sequence', id('c', '0'), 3],
        ['a signed sequence', id('c', '+1'), 3],
        ['a sequence past 2^53', id('c', '9007199254740993'), 3],
        ['a sequence that is not a number', id('c', '1x'), 3],
      ];
      for (const [what, headers, code] of cases) {
        const [a, b] = [
          await raw(servers[0]!.origin, '/etcdserverpb.KV/Put', [put], headers),
          await raw(servers[1]!.origin, '/etcdserverpb.KV/Put', [put], headers),
        ];
        assert.deepEqual(a, b, what);
        const status = a.trailers['grpc-status'] ?? a.headers['grpc-status'];
        assert.equal(status, String(code), what);
        assert.deepEqual(servers[0]!.probe.viaFast.at(-1), { path: '/etcdserverpb.KV/Put', code });
      }
      assert.deepEqual(idFast.identities, idPlain.identities);
      assert.deepEqual(idFast.identities, [
        undefined,
        { clientId: 'client-1', sequence: 7 },
        { clientId: 'c'.repeat(128), sequence: 9007199254740991 },
      ]);
    } finally {
      for (const served of servers) {
        await served.server.close();
        served.member.close();
      }
    }
  });

  it('answers LeaseGrant and LeaseRevoke as grpc-js does, their errors included', async () => {
    const lease = (method: string, request: object): Buffer =>
      framed(services.Lease[method]!.requestSerialize(request));
    const grant = '/etcdserverpb.Lease/LeaseGrant';
    const revoke = '/etcdserverpb.Lease/LeaseRevoke';
    const cases: [string, string, Buffer, number][] = [
      ['a grant', grant, lease('LeaseGrant', { ID: '42', TTL: '30' }), 0],
      ['the same ID again', grant, lease('LeaseGrant', { ID: '42', TTL: '30' }), 9],
      ['a TTL past the maximum', grant, lease('LeaseGrant', { ID: '43', TTL: '9000000001' }), 11],
      ['a revoke', revoke, lease('LeaseRevoke', { ID: '42' }), 0],
      ['an unknown lease', revoke, lease('LeaseRevoke', { ID: '42' }), 5],
    ];
    for (const [what, path, request, code] of cases) {
      const { answer, probe } = await same(path, [request]);
      assert.equal(
        answer.trailers['grpc-status'] ?? answer.headers['grpc-status'],
        `${code}`,
        what,
      );
      assert.deepEqual(probe.viaFast, [{ path, code }], what);
      assert.deepEqual(probe.viaGrpc, [], what);
    }
  });

  it('leaves compressed requests, odd headers and other services to grpc-js', async () => {
    const put = framed(encode('Put', { key: Buffer.from('z'), value: Buffer.from('v') }));
    const fallbacks: [string, Record<string, string>][] = [
      ['gzip', { 'grpc-encoding': 'gzip' }],
      ['no grpc content type', { 'content-type': 'text/plain' }],
      ['an invalid grpc-timeout', { 'grpc-timeout': 'soon' }],
    ];
    for (const [what, headers] of fallbacks) {
      const { probe } = await same('/etcdserverpb.KV/Put', [put], headers);
      assert.deepEqual(probe.viaFast, [], what);
    }
    const { answer, probe } = await same('/etcdserverpb.KV/Put', [put], { 'grpc-timeout': '5S' });
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.equal(probe.viaFast.length, 1, 'a valid grpc-timeout is served fast');
    await same('/etcdserverpb.Lease/LeaseLeases', [framed(Buffer.alloc(0))]);
    assert.deepEqual(fast.probe.viaGrpc, ['/etcdserverpb.Lease/LeaseLeases']);
  });

  it('refuses a bad token with etcd\'s "invalid auth token" while auth is enabled', async () => {
    class AuthEnabledMember extends FakeMember {
      override authView() {
        const view = super.authView();
        return new Proxy(view, {
          get: (target, key) => (key === 'enabled' ? true : Reflect.get(target, key, target)),
        });
      }
    }
    const [a, b] = [
      await serve(new AuthEnabledMember(), true),
      await serve(new AuthEnabledMember(), false),
    ];
    try {
      const range = framed(encode('Range', { key: Buffer.from('a') }));
      for (const headers of [{ token: 'bogus' }, {}] as Record<string, string>[]) {
        const [x, y] = [
          await raw(a.origin, '/etcdserverpb.KV/Range', [range], headers),
          await raw(b.origin, '/etcdserverpb.KV/Range', [range], headers),
        ];
        assert.deepEqual(x, y);
        assert.equal(a.probe.viaFast.length, 1);
        a.probe.clear();
      }
      const bad = await raw(a.origin, '/etcdserverpb.KV/Range', [range], { token: 'bogus' });
      assert.equal(bad.headers['grpc-message'], 'etcdserver:%20invalid%20auth%20token');
    } finally {
      for (const served of [a, b]) {
        await served.server.close();
        served.member.close();
      }
    }
  });

  it('aborts the handler when the client resets the stream, counting CANCELLED', async () => {
    const served = await serve(new HangingMember(), true);
    const member = served.member as HangingMember;
    const session = http2.connect(served.origin);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/etcdserverpb.KV/Put',
        'content-type': 'application/grpc',
      });
      stream.on('error', () => undefined);
      stream.end(framed(encode('Put', { key: Buffer.from('hang'), value: Buffer.from('v') })));
      await member.waitingPut();
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await member.abortedPut();
      assert.deepEqual(served.probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code: 1 }]);
    } finally {
      session.close();
      await served.server.close();
      member.close();
    }
  });

  it('ends a call at its grpc-timeout with DEADLINE_EXCEEDED, aborting the handler', async () => {
    const served = await serve(new HangingMember(), true);
    const member = served.member as HangingMember;
    try {
      const put = framed(encode('Put', { key: Buffer.from('hang'), value: Buffer.from('v') }));
      const answer = await raw(served.origin, '/etcdserverpb.KV/Put', [put], {
        'grpc-timeout': '200m',
      });
      assert.equal(answer.headers['grpc-status'], '4');
      assert.equal(answer.headers['grpc-message'], 'Deadline%20exceeded');
      assert.deepEqual(member.aborts, ['put']);
      assert.deepEqual(served.probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code: 4 }]);
    } finally {
      await served.server.close();
      member.close();
    }
  });

  it('lets a fast call in flight finish during a graceful shutdown', async () => {
    const served = await serve(new HangingMember(), true);
    const member = served.member as HangingMember;
    const kv = rawClient('KV', served.host);
    try {
      const answer = unaryCall(kv, 'Put', { key: Buffer.from('hang'), value: Buffer.from('v') });
      await member.waitingPut();
      const closed = served.server.close();
      member.release();
      await answer;
      await closed;
      assert.deepEqual(served.probe.viaFast, [{ path: '/etcdserverpb.KV/Put', code: 0 }]);
    } finally {
      kv.close();
      member.close();
    }
  });

  it('counts fast calls in the gRPC metrics as grpc-js calls are counted', async () => {
    const metrics = createMetrics();
    const served = await serve(new FakeMember(), true, [metrics.grpc]);
    const kv = rawClient('KV', served.host);
    try {
      await unaryCall(kv, 'Put', { key: Buffer.from('m'), value: Buffer.from('v') });
      await unaryCall(kv, 'Range', { key: Buffer.from('m') });
      await unaryCall(kv, 'Put', { value: Buffer.from('v') }).catch(() => undefined);
      assert.equal(served.probe.viaFast.length, 3);
      const text = await metrics.scrape();
      const count = (labels: string): string | undefined =>
        new RegExp(`^${labels.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1];
      const kvLabels = 'grpc_type="unary",grpc_service="etcdserverpb.KV"';
      assert.equal(count(`grpc_server_started_total{${kvLabels},grpc_method="Put"}`), '2');
      assert.equal(
        count(`grpc_server_handled_total{${kvLabels},grpc_method="Put",grpc_code="OK"}`),
        '1',
      );
      assert.equal(
        count(
          `grpc_server_handled_total{${kvLabels},grpc_method="Put",grpc_code="InvalidArgument"}`,
        ),
        '1',
      );
      assert.equal(
        count(`grpc_server_handling_seconds_count{${kvLabels},grpc_method="Range"}`),
        '1',
      );
    } finally {
      kv.close();
      await served.server.close();
      served.member.close();
    }
  });
});
