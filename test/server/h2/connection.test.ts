// H2Connection against a real nghttp2 peer: node:http2's client over loopback, talking to an
// echo consumer in gRPC's shape (200 + application/grpc, the body back, grpc-status trailers).
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { H2Stream } from '../../../src/server/h2/stream.js';
import { waitFor } from '../../helpers/wait.js';
import { echoConsumer, newLog, startServer, type TestServer } from './connection-harness.js';

interface Reply {
  status: number;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}

function request(
  session: http2.ClientHttp2Session,
  path: string,
  body: Buffer,
  extra: http2.OutgoingHttpHeaders = {},
): Promise<Reply> {
  return waitFor(`the response to ${path}`, (resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...extra,
    });
    let status = 0;
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('trailers', (headers) => (trailers = headers));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks), trailers }));
    stream.on('error', reject);
    stream.end(body);
  });
}

function connect(port: number, options: http2.ClientSessionOptions = {}): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`, options);
  session.on('error', () => {});
  return session;
}

describe('H2Connection with a node:http2 client', () => {
  const log = newLog();
  const held = new Set<() => void>();
  let server: TestServer;
  let session: http2.ClientHttp2Session;

  before(async () => {
    server = await startServer(echoConsumer(log, held));
    session = connect(server.port);
  });
  after(async () => {
    session.destroy();
    await server.stop();
  });

  it('answers a unary request with headers, the body and trailers', async () => {
    const reply = await request(session, '/etcdserverpb.KV/Put', Buffer.from('hello'));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), 'hello');
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.equal(log.paths.at(-1), '/etcdserverpb.KV/Put');
  });

  it('serves 200 concurrent streams on one connection', async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(`body-${i}`.repeat(i + 1)));
    const replies = await Promise.all(bodies.map((body, i) => request(session, `/c/${i}`, body)));
    replies.forEach((reply, i) => {
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, bodies[i]);
      assert.equal(reply.trailers['grpc-status'], '0');
    });
    assert.equal(server.connections.length, 1);
  });

  it('carries several MB both ways under flow control', async () => {
    const body = Buffer.alloc(5 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
    const [a, b] = await Promise.all([
      request(session, '/big/a', body),
      request(session, '/big/b', body.subarray(0, 3 << 20)),
    ]);
    assert.equal(a.body.length, body.length);
    assert.ok(a.body.equals(body), 'the 5 MB body came back intact');
    assert.ok(b.body.equals(body.subarray(0, 3 << 20)), 'the 3 MB body came back intact');
  });

  it('a producer writing 4 MB under backpressure to a slow window gets it all through', async () => {
    const slow = connect(server.port, { settings: { initialWindowSize: 16_384 } });
    try {
      const total = 4 << 20;
      const reply = await request(slow, `/produce/${total}`, Buffer.alloc(0));
      assert.equal(reply.body.length, total);
      for (let i = 0; i < total; i += 4099) assert.equal(reply.body[i], i % 251, `octet ${i}`);
      assert.equal(reply.trailers['grpc-status'], '0');
      assert.ok(log.writableCalls >= 2, `onWritable called ${log.writableCalls} times`);
    } finally {
      slow.destroy();
    }
  });

  it('a paused stream holds the DATA that arrived, and delivers it all on resume', async () => {
    const body = Buffer.alloc(3 << 20, 5);
    const reply = request(session, '/pause/resume', body);
    const stream = await waitFor<H2Stream>('the paused stream', (done) => {
      const poll = (): void => {
        const found = log.paused.get('/pause/resume');
        if (found !== undefined) done(found);
        else setImmediate(poll);
      };
      poll();
    });
    assert.equal(stream.isPaused, true);
    stream.resume();
    const { body: echoed } = await reply;
    assert.ok(echoed.equals(body), 'the whole body, held and then delivered');
  });

  it('tells the consumer of a client reset, and the other streams go on', async () => {
    const stream = session.request({ ':method': 'POST', ':path': '/hold/reset' });
    stream.on('error', () => {});
    stream.end(Buffer.from('partial'));
    await waitFor('the held response data', (done) => stream.once('data', () => done(undefined)));
    const id = stream.id as number;
    const other = request(session, '/after-reset', Buffer.from('still here'));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor('the consumer to see the reset', (done) => {
      const poll = (): void => {
        if (log.closes.has(id)) done(undefined);
        else setImmediate(poll);
      };
      poll();
    });
    assert.equal(log.closes.get(id), http2.constants.NGHTTP2_CANCEL);
    assert.equal((await other).body.toString(), 'still here');
    for (const release of held) release(); // ending a reset stream is a no-op
    held.clear();
    assert.equal((await request(session, '/after', Buffer.from('x'))).status, 200);
  });

  it('serves many requests in sequence with HPACK tables used both ways', async () => {
    const first = server.sockets[0]?.bytesWritten ?? 0;
    await request(session, '/seq/0', Buffer.from('0'), { 'x-trace': 'abc' });
    const one = (server.sockets[0]?.bytesWritten ?? 0) - first;
    const start = server.sockets[0]?.bytesWritten ?? 0;
    const n = 300;
    for (let i = 1; i <= n; i++) {
      const reply = await request(session, '/seq/x', Buffer.from(String(i % 10)), {
        'x-trace': 'abc',
      });
      assert.equal(reply.body.toString(), String(i % 10));
      assert.equal(reply.trailers['grpc-status'], '0');
    }
    const perCall = ((server.sockets[0]?.bytesWritten ?? 0) - start) / n;
    // Headers, 1 octet of DATA and trailers: 9+2 + 9+1 + 9+1 octets once both are indexed.
    assert.ok(perCall <= 40, `response octets per call ${perCall} (first call: ${one})`);
    assert.equal(log.paths.filter((p) => p === '/seq/x').length, n);
  });

  it('applies the client SETTINGS: a tiny initial window and no header table', async () => {
    const small = connect(server.port, {
      settings: { initialWindowSize: 1000, headerTableSize: 0 },
    });
    try {
      const body = Buffer.alloc(300_000, 7);
      for (let i = 0; i < 3; i++) {
        const reply = await request(small, '/settings', body);
        assert.ok(reply.body.equals(body), 'the echoed body');
        assert.equal(reply.trailers['grpc-status'], '0');
      }
      // A change while a response is under way (its stream's window moves by the difference,
      // 6.9.2), with larger frames allowed too.
      const during = request(small, '/settings/during', body);
      await waitFor('the SETTINGS ACK', (done) =>
        small.settings({ initialWindowSize: 100_000, maxFrameSize: 65_536 }, () => done(undefined)),
      );
      assert.ok((await during).body.equals(body), 'the body of the request sent during close');
      const reply = await request(small, '/settings/after', body);
      assert.ok(reply.body.equals(body), 'the echoed body');
    } finally {
      small.destroy();
    }
  });

  it('takes a header block split into CONTINUATION frames', async () => {
    const big = 'm'.repeat(40_000);
    const reply = await request(session, '/continuation', Buffer.from('c'), { 'x-big': big });
    assert.equal(reply.status, 200);
    assert.equal(log.last?.get('x-big'), big);
    assert.equal(log.last?.path, '/continuation');
  });

  it('answers PING with the same octets', async () => {
    const payload = Buffer.from('concord!');
    const echoed = await waitFor<Buffer>('the PING ACK', (done, fail) => {
      session.ping(payload, (error, _duration, data) => (error ? fail(error) : done(data)));
    });
    assert.deepEqual(echoed, payload);
  });

  it('close(): GOAWAY NO_ERROR, and the in-flight streams complete', async () => {
    const client = connect(server.port);
    const connections = server.connections.length;
    const seen = request(client, '/warmup', Buffer.from('w'));
    await seen;
    const connection = server.connections[connections];
    assert.ok(connection !== undefined, 'the server accepted a connection');
    const inFlight = request(client, '/hold/close', Buffer.from('in flight'));
    await waitFor('the held stream', (done) => {
      const poll = (): void => (held.size > 0 ? done(undefined) : void setImmediate(poll));
      poll();
    });
    const goaway = waitFor<number>('GOAWAY at the client', (done) =>
      client.once('goaway', (code) => done(code)),
    );
    connection.close();
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    for (const release of held) release();
    held.clear();
    const reply = await inFlight;
    assert.equal(reply.body.toString(), 'in flight');
    assert.equal(reply.trailers['grpc-status'], '0');
    await waitFor('the client session to close', (done) => {
      if (client.closed || client.destroyed) done(undefined);
      else client.once('close', () => done(undefined));
    });
  });
});
