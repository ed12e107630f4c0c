// The load generator's HTTP/2 client session against node:http2's server: many streams at
// once, flow control both ways (a server window far smaller than what is sent, an answer far
// larger than the initial windows), trailers, a refused stream, and a server going away.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { H2Session, type StreamListener } from '../../bench/etcd/node-gen/h2-session.js';

interface Outcome {
  readonly headers: ReadonlyMap<string, string>[];
  readonly body: Buffer;
  readonly error: Error | undefined;
}

function collect(): { listener: StreamListener; done: Promise<Outcome> } {
  const headers: ReadonlyMap<string, string>[] = [];
  const chunks: Buffer[] = [];
  let settle!: (outcome: Outcome) => void;
  const done = new Promise<Outcome>((resolve) => (settle = resolve));
  return {
    listener: {
      onHeaders: (fields) => headers.push(fields),
      onData: (data) => chunks.push(Buffer.from(data)),
      onClose: (error) => settle({ headers, body: Buffer.concat(chunks), error }),
    },
    done,
  };
}

const request = (path: string) => [
  { name: ':method', value: 'POST' },
  { name: ':scheme', value: 'http' },
  { name: ':path', value: path },
  { name: ':authority', value: 'test' },
];

async function withServer(
  settings: http2.Settings,
  body: (session: H2Session, server: http2.Http2Server) => Promise<void>,
): Promise<void> {
  const server = http2.createServer({ settings });
  server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    stream.on('error', () => {}); // a refused stream's, on the server's side
    if (path === '/refuse') return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    if (path === '/trailers-only') {
      stream.respond(
        { ':status': 200, 'grpc-status': '5', 'grpc-message': 'not%20found' },
        {
          endStream: true,
        },
      );
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      if (stream.destroyed) return; // its session was destroyed
      const got = Buffer.concat(chunks);
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // /big answers 1 MiB whatever it was sent; the rest echo what they were sent.
      stream.end(path === '/big' ? Buffer.alloc(1 << 20, 7) : got);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const session = new H2Session('127.0.0.1', port);
  try {
    await body(session, server);
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

test(
  'streams at once, through a server window smaller than what they send',
  { timeout: 30_000 },
  async () => {
    await withServer({ initialWindowSize: 1024 }, async (session) => {
      const sent = Array.from({ length: 50 }, (_, i) => Buffer.alloc(4000 + i, i));
      const calls = sent.map((data) => {
        const { listener, done } = collect();
        const id = session.request(request('/echo'), false, listener);
        // Three frames a stream, each larger than the server's window for the stream.
        session.writeData(id, data.subarray(0, 2000), false);
        session.writeData(id, data.subarray(2000, 3000), false);
        session.writeData(id, data.subarray(3000), true);
        return done;
      });
      const outcomes = await Promise.all(calls);
      outcomes.forEach((outcome, i) => {
        assert.equal(outcome.error, undefined, `stream ${i} failed: ${outcome.error?.message}`);
        assert.ok(outcome.body.equals(sent[i]!), `stream ${i} got back what it sent`);
        assert.equal(outcome.headers.at(-1)?.get('grpc-status'), '0', `stream ${i}'s trailers`);
      });
      const { listener, done } = collect();
      session.request(request('/big'), true, listener);
      const big = await done;
      assert.equal(big.error, undefined, big.error?.message);
      assert.equal(
        big.body.length,
        1 << 20,
        'an answer larger than the initial windows arrives whole',
      );
    });
  },
);

test(
  'a trailers-only answer, a refused stream, and a server going away',
  { timeout: 30_000 },
  async () => {
    await withServer({}, async (session, server) => {
      const only = collect();
      session.request(request('/trailers-only'), true, only.listener);
      const answer = await only.done;
      assert.equal(answer.error, undefined, answer.error?.message);
      assert.equal(answer.headers.length, 1, 'one header block, the status in it');
      assert.equal(answer.headers[0]!.get('grpc-status'), '5');
      assert.equal(answer.headers[0]!.get('grpc-message'), 'not%20found');

      const refused = collect();
      session.request(request('/refuse'), true, refused.listener);
      assert.match((await refused.done).error?.message ?? '', /RST_STREAM REFUSED_STREAM/);
      assert.ok(session.usable, 'a refused stream leaves the session usable');

      // A stream left open (its request not ended) when the server goes away fails.
      const open = collect();
      session.request(request('/echo'), false, open.listener);
      const serverSession = await new Promise<http2.Http2Session>((resolve) => {
        server.once('stream', (stream) => resolve(stream.session!));
      });
      serverSession.destroy();
      assert.ok((await open.done).error !== undefined, 'the open stream failed');
      assert.equal(session.usable, false, 'the session is done: the caller opens another');
    });
  },
);
