/**
 * The fast path's LeaseKeepAlive streams (src/server/http2/fast-path-stream.ts). Each case is
 * sent as raw HTTP/2 to two servers, one with the fast path and one where grpc-js serves
 * everything, and the answers (headers, DATA, trailers, reset code) must be byte-for-byte the
 * same; a probe interceptor tells which path served it and with which status. Plus what has
 * no twin to compare with as a whole exchange: a client reset, shutdown, metrics.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { ServerInterceptor } from '@grpc/grpc-js';
import { ConcordError } from '../../src/base/errors.js';
import type { RequestOptions } from '../../src/node/api.js';
import { createMetrics } from '../../src/server/metrics/metrics.js';
import { etcdServices } from '../../src/server/proto.js';
import { waitFor } from '../helpers/wait.js';
import { FakeMember } from './fake/fake-member.js';
import { framed, serve, strip, type Answer, type Probe, type Served } from './fast-path-harness.js';

const path = '/etcdserverpb.Lease/LeaseKeepAlive';
const services = etcdServices();
const keepAlive = (id: number): Buffer =>
  framed(services.Lease['LeaseKeepAlive']!.requestSerialize({ ID: id }));
const leaseId = 7;

const hangingLease = 8;

/** A member whose keep-alive of `hangingLease` waits until its signal aborts. */
class HangingMember extends FakeMember {
  private arrived!: () => void;
  private abortSeen!: () => void;
  readonly waiting = new Promise<void>((resolve) => (this.arrived = resolve));
  readonly aborted = new Promise<void>((resolve) => (this.abortSeen = resolve));

  /** The hanging lease is never renewed at once: its renewal waits. */
  override leaseKeepAliveNow(id: bigint) {
    return id === BigInt(hangingLease) ? undefined : super.leaseKeepAliveNow(id);
  }

  override leaseKeepAlive(id: bigint, options?: RequestOptions) {
    if (id !== BigInt(hangingLease)) return super.leaseKeepAlive(id);
    this.arrived();
    return new Promise<never>((_resolve, reject) => {
      const onAbort = {
        handleEvent: () => {
          this.abortSeen();
          reject(new ConcordError('Canceled'));
        },
      };
      options?.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

const slowLease = 9;

/** A member that renews `slowLease` only after a turn of the event loop, others at once. */
class DeferringMember extends FakeMember {
  override leaseKeepAliveNow(id: bigint) {
    return id === BigInt(slowLease) ? undefined : super.leaseKeepAliveNow(id);
  }

  override async leaseKeepAlive(id: bigint) {
    await new Promise((resolve) => setImmediate(resolve));
    return super.leaseKeepAlive(id);
  }
}

/** The IDs of a stream's framed LeaseKeepAliveResponses, in order (IDs below 128). */
function answeredIds(bodyHex: string): number[] {
  const body = Buffer.from(bodyHex, 'hex');
  const ids: number[] = [];
  for (let at = 0; at < body.length;) {
    const end = at + 5 + body.readUInt32BE(at + 1);
    let pos = at + 5;
    let id = 0;
    while (pos < end) {
      const tag = body[pos++]!;
      if (tag === 0x0a)
        pos += 1 + body[pos]!; // the header, skipped (its length is < 128)
      else if (tag === 0x10) id = body[pos++]!;
      else pos++; // the TTL
    }
    ids.push(id);
    at = end;
  }
  return ids;
}

/** A server over `member` (with the lease the tests keep alive), fast path on or off. */
async function serveLeases(
  member: FakeMember,
  fast: boolean,
  extra: ServerInterceptor[] = [],
): Promise<Served> {
  await member.leaseGrant(BigInt(leaseId), 60);
  return serve(member, fast, extra);
}

/**
 * One raw HTTP/2 keep-alive stream: its body written as the given pieces, one DATA write
 * each; then `whenAnswered` runs once `answers` bytes of DATA arrived (default: the client
 * half-closes at once), and the stream is read to its end.
 */
async function exchange(
  origin: string,
  pieces: Buffer[],
  headers: Record<string, string> = {},
  then?: { answers: number; act: (stream: http2.ClientHttp2Stream) => void | Promise<void> },
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
    let received = 0;
    let onAnswers: (() => void) | undefined;
    stream.on('response', (h) => (answer.headers = strip(h)));
    stream.on('trailers', (t) => (answer.trailers = strip(t)));
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (then !== undefined && received >= then.answers) onAnswers?.();
    });
    const closed = waitFor<void>(`the end of ${path}`, (done) => stream.once('close', done));
    stream.on('error', () => undefined); // the close code says it
    for (const piece of pieces) {
      await waitFor<void>('a DATA write', (done) => stream.write(piece, () => done()));
    }
    if (then === undefined) {
      stream.end();
    } else {
      await waitFor<void>(`${then.answers} bytes of answers`, (done) => {
        onAnswers = () => done();
        if (received >= then.answers) done();
      });
      await then.act(stream);
    }
    await closed;
    answer.body = Buffer.concat(chunks).toString('hex');
    answer.closeCode = stream.rstCode ?? 0;
    return answer;
  } finally {
    session.close();
  }
}

/** The length of one framed keep-alive answer, learned from a first exchange. */
let answerBytes = 0;

describe('LeaseKeepAlive on the fast path', () => {
  let fast: Served;
  let plain: Served;

  before(async () => {
    fast = await serveLeases(new FakeMember(), true);
    plain = await serveLeases(new FakeMember(), false);
  });

  after(async () => {
    for (const served of [fast, plain]) {
      await served.server.close();
      served.member.close();
    }
  });

  /** Sends the same stream to both servers; returns the fast one's answer and probe. */
  async function same(
    pieces: Buffer[],
    headers: Record<string, string> = {},
  ): Promise<{ answer: Answer; probe: Probe }> {
    fast.probe.clear();
    plain.probe.clear();
    const a = await exchange(fast.origin, pieces, headers);
    const b = await exchange(plain.origin, pieces, headers);
    assert.deepEqual(a, b, 'fast path and grpc-js answered differently');
    assert.deepEqual(plain.probe.viaGrpc, [path]);
    assert.deepEqual(fast.probe.viaGrpc, [], 'the fast path served it');
    return { answer: a, probe: fast.probe };
  }

  it('answers keep-alives as grpc-js does: one, many per DATA frame, split across frames', async () => {
    const one = keepAlive(leaseId);
    const first = await same([one]);
    let { answer } = first;
    const { probe } = first;
    assert.equal(answer.headers['grpc-encoding'], 'identity');
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.deepEqual(probe.viaFast, [{ path, code: 0 }]);
    answerBytes = answer.body.length / 2;
    assert.ok(answerBytes > 5);

    // More than the handler's queue (16): it pauses the stream, then resumes.
    const many = Buffer.concat(Array.from({ length: 40 }, () => one));
    ({ answer } = await same([many]));
    assert.equal(answer.body.length / 2, 40 * answerBytes);
    assert.equal(answer.trailers['grpc-status'], '0');

    // A length prefix and a message split over DATA frames, two messages sharing one.
    const two = Buffer.concat([one, one]);
    ({ answer } = await same([two.subarray(0, 2), two.subarray(2, 9), two.subarray(9)]));
    assert.equal(answer.body.length / 2, 2 * answerBytes);

    // An unknown lease answers TTL 0; a token is not checked on a keep-alive (as etcd).
    ({ answer } = await same([keepAlive(99)], { token: 'bogus' }));
    assert.equal(answer.trailers['grpc-status'], '0');
  });

  it("fails bad streams with grpc-js's statuses (trailers-only before any answer)", async () => {
    const cases: [string, Buffer[], number][] = [
      ['no message, then half-close', [], 0],
      ['undecodable bytes', [framed(Buffer.from([0xff, 0xff, 0xff, 0xff]))], 13],
      ['a length past the limit', [Buffer.from([0, 0x7f, 0xff, 0xff, 0xff])], 8],
      [
        'a split length past the limit',
        [Buffer.from([0, 0x7f]), Buffer.from([0xff, 0xff, 0xff])],
        8,
      ],
    ];
    for (const [what, pieces, code] of cases) {
      const { answer, probe } = await same(pieces);
      assert.equal(answer.headers['grpc-status'], String(code), what);
      assert.deepEqual(answer.trailers, {}, what);
      assert.deepEqual(probe.viaFast, [{ path, code }], what);
    }
  });

  it('honours hasleader: refused with "etcdserver: no leader" without one, served with one', async () => {
    const headers = { hasleader: 'true' };
    let { answer } = await same([keepAlive(leaseId)], headers);
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.ok(answer.body.length > 0);
    fast.member.leader = 0n;
    plain.member.leader = 0n;
    try {
      ({ answer } = await same([keepAlive(leaseId)], headers));
      assert.equal(answer.headers['grpc-status'], '14');
      assert.equal(answer.headers['grpc-message'], 'etcdserver:%20no%20leader');
      // Only the value "true" asks for a leader (read from the headers on the fast path).
      for (const value of ['false', 'TRUE', 'true, true']) {
        ({ answer } = await same([keepAlive(leaseId)], { hasleader: value }));
        assert.equal(answer.trailers['grpc-status'], '0', value);
      }
    } finally {
      fast.member.leader = plain.member.leader = new FakeMember().leader;
    }
  });

  it('counts CANCELLED and aborts the renewal when the client resets an open stream', async () => {
    const member = new HangingMember();
    const served = await serveLeases(member, true);
    try {
      const hang = keepAlive(hangingLease);
      const answer = await exchange(
        served.origin,
        [keepAlive(leaseId), hang],
        {},
        {
          answers: answerBytes,
          act: async (stream) => {
            await member.waiting;
            stream.close(http2.constants.NGHTTP2_CANCEL);
          },
        },
      );
      assert.equal(answer.body.length / 2, answerBytes);
      await member.aborted;
      assert.deepEqual(served.probe.viaFast, [{ path, code: 1 }]);
    } finally {
      await served.server.close();
      member.close();
    }
  });

  it('answers in request order when some renewals wait and others are made at once', async () => {
    for (const fastPath of [true, false]) {
      const member = new DeferringMember();
      await member.leaseGrant(BigInt(slowLease), 60);
      const served = await serveLeases(member, fastPath);
      try {
        const order = [slowLease, leaseId, leaseId, slowLease, leaseId];
        const answer = await exchange(served.origin, [Buffer.concat(order.map(keepAlive))]);
        assert.equal(answer.trailers['grpc-status'], '0');
        assert.deepEqual(answeredIds(answer.body), order, `fast path ${fastPath}`);
      } finally {
        await served.server.close();
        member.close();
      }
    }
  });

  it('ends open streams with UNAVAILABLE "etcdserver: server stopped" at shutdown, as grpc-js', async () => {
    const answers: Answer[] = [];
    for (const fastPath of [true, false]) {
      const served = await serveLeases(new FakeMember(), fastPath);
      let closing: Promise<void> | undefined;
      try {
        answers.push(
          await exchange(
            served.origin,
            [keepAlive(leaseId)],
            {},
            {
              answers: answerBytes,
              act: (stream) => {
                // As a gRPC client does, it ends its side once the status arrived.
                stream.once('trailers', () => stream.end());
                closing = served.server.close();
              },
            },
          ),
        );
        await closing;
        assert.deepEqual(served.probe.viaFast, fastPath ? [{ path, code: 14 }] : []);
      } finally {
        await served.server.close();
        served.member.close();
      }
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.equal(answers[0]!.trailers['grpc-status'], '14');
    assert.equal(answers[0]!.trailers['grpc-message'], 'etcdserver:%20server%20stopped');
  });

  it('counts fast streams in the gRPC metrics as grpc-js counts bidi streams', async () => {
    const metrics = createMetrics();
    const served = await serveLeases(new FakeMember(), true, [metrics.grpc]);
    try {
      await exchange(served.origin, [keepAlive(leaseId)]);
      await exchange(served.origin, [framed(Buffer.from([0xff, 0xff]))]);
      assert.equal(served.probe.viaFast.length, 2);
      const text = await metrics.scrape();
      const count = (labels: string): string | undefined =>
        new RegExp(`^${labels.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1];
      const labels =
        'grpc_type="bidi_stream",grpc_service="etcdserverpb.Lease",grpc_method="LeaseKeepAlive"';
      assert.equal(count(`grpc_server_started_total{${labels}}`), '2');
      assert.equal(count(`grpc_server_handled_total{${labels},grpc_code="OK"}`), '1');
      assert.equal(count(`grpc_server_handled_total{${labels},grpc_code="Internal"}`), '1');
    } finally {
      await served.server.close();
      served.member.close();
    }
  });
});
