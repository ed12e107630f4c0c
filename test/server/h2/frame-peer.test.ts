/**
 * Differential test against a real HTTP/2 peer: Node's node:http2 client (nghttp2) talks to a
 * plain `net` server that reads with FrameReader and answers with FrameWriter
 * (frame-peer-server.ts). What nghttp2 sends must parse, and what the writer sends must be
 * accepted by nghttp2 without a protocol error: headers, body and trailers arrive, a PING is
 * answered, HEADERS + CONTINUATION both ways, and a GOAWAY's code reaches the client.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { waitFor } from '../../helpers/wait.js';
import { type PeerConnection, startPeerServer } from './frame-peer-server.js';

interface Reply {
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders;
  rstCode: number | undefined;
}

/** A POST with `body`; resolves with what the client received once the stream closed. */
function post(
  session: http2.ClientHttp2Session,
  body: string,
  extra: http2.OutgoingHttpHeaders = {},
): Promise<Reply> {
  return waitFor(`the response to ${JSON.stringify(body.slice(0, 20))}`, (done, fail) => {
    const request = session.request({
      ':method': 'POST',
      ':path': '/etcdserverpb.KV/Put',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...extra,
    });
    const reply: Reply = { headers: {}, body: '', trailers: {}, rstCode: undefined };
    request.on('response', (headers) => (reply.headers = headers));
    request.on('data', (chunk: Buffer) => (reply.body += chunk.toString()));
    request.on('trailers', (trailers) => (reply.trailers = trailers));
    request.on('error', fail);
    request.on('frameError', (type: number, code: number) =>
      fail(new Error(`frameError type ${type} code ${code}`)),
    );
    request.on('close', () => done({ ...reply, rstCode: request.rstCode }));
    request.end(body);
  });
}

function connect(port: number): { session: http2.ClientHttp2Session; errors: Error[] } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const errors: Error[] = [];
  session.on('error', (error) => errors.push(error));
  session.on('frameError', (type: number, code: number) =>
    errors.push(new Error(`session frameError type ${type} code ${code}`)),
  );
  return { session, errors };
}

const types = (connection: PeerConnection): string[] =>
  connection.events.map((event) => `${event[0]}${event[1] === true ? ' ack' : ''}`);

describe('frame layer against node:http2 (nghttp2) as the client', () => {
  let peer: Awaited<ReturnType<typeof startPeerServer>>;
  let client: ReturnType<typeof connect>;

  before(async () => {
    peer = await startPeerServer({ responseFields: [['x-checked', 'yes']] });
    client = connect(peer.port);
  });
  after(() => {
    client.session.destroy();
    peer.server.close();
  });

  it('reads the preface, SETTINGS, HEADERS and DATA of a POST; the client gets headers, body, trailers', async () => {
    const reply = await post(client.session, 'hello frames');
    assert.equal(reply.headers[':status'], 200);
    assert.equal(reply.headers['content-type'], 'application/grpc');
    assert.equal(reply.headers['x-checked'], 'yes');
    assert.equal(reply.body, 'echo:hello frames');
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.equal(reply.rstCode, http2.constants.NGHTTP2_NO_ERROR);

    const connection = peer.connections[0]!;
    assert.equal(types(connection)[0], 'settings', 'the preface ends with the client SETTINGS');
    assert.ok(types(connection).includes('settings ack'), 'the client acknowledged our SETTINGS');
    const stream = connection.events.find((event) => event[0] === 'headers')!;
    assert.equal(stream[1], 1, 'the first request is stream 1');
    assert.equal(stream[4], true, 'END_HEADERS');
    assert.equal(Buffer.concat(connection.bodies.get(1)!).toString(), 'hello frames');
    const last = connection.events.filter((event) => event[0] === 'data' && event[1] === 1).at(-1);
    assert.equal(last?.[3], true, 'the body ends with END_STREAM');
    assert.deepEqual(connection.errors, []);
    assert.deepEqual(client.errors, []);
  });

  it('reads the connection WINDOW_UPDATE and answers a PING with its data', async () => {
    client.session.setLocalWindowSize(1 << 20);
    const payload = Buffer.from('concord!');
    const echoed = await waitFor<Buffer>('the PING ACK', (done, fail) => {
      client.session.ping(payload, (error, _duration, data) => (error ? fail(error) : done(data)));
    });
    assert.deepEqual(echoed, payload);
    const connection = peer.connections[0]!;
    assert.ok(
      connection.events.some(
        (e) => e[0] === 'window_update' && e[1] === 0 && e[2] === (1 << 20) - 65_535,
      ),
      `no connection WINDOW_UPDATE in ${JSON.stringify(types(connection))}`,
    );
    assert.ok(
      connection.events.some(
        (e) => e[0] === 'ping' && e[1] === false && e[2] === payload.toString('hex'),
      ),
    );
    assert.deepEqual(client.errors, []);
  });

  it('serves many concurrent streams, answered in shared writes', async () => {
    const connection = peer.connections[0]!;
    const [writes, responses] = [connection.writes, connection.responses];
    const bodies = Array.from({ length: 40 }, (_, i) => `request ${i} `.repeat(i + 1));
    const replies = await Promise.all(bodies.map((body) => post(client.session, body)));
    replies.forEach((reply, i) => {
      assert.equal(reply.body, `echo:${bodies[i]}`);
      assert.equal(reply.trailers['grpc-status'], '0');
      assert.equal(reply.rstCode, 0);
    });
    assert.equal(connection.responses - responses, 40);
    // nghttp2 sends the 40 requests in few socket writes; the answers to one chunk's requests
    // leave in one write, so there are fewer writes than responses.
    const used = connection.writes - writes;
    assert.ok(used < 40, `${used} socket writes for 40 responses`);
    assert.deepEqual(connection.errors, []);
    assert.deepEqual(client.errors, []);
  });

  it('reads a request header block split into HEADERS + CONTINUATION by nghttp2', async () => {
    // Random octets do not shrink under Huffman coding, so the block exceeds one frame.
    const long = Buffer.from(
      Array.from({ length: 15_000 }, (_, i) => ((i * 7919) % 94) + 33),
    ).toString();
    const reply = await post(client.session, 'big headers', { 'x-long': long, 'x-long-2': long });
    assert.equal(reply.body, 'echo:big headers');
    const connection = peer.connections[0]!;
    const id = [...connection.headerBlockBytes.keys()].at(-1)!;
    const blockBytes = connection.headerBlockBytes.get(id)!;
    assert.ok(blockBytes > 16_384, `a block of ${blockBytes} octets fits one frame`);
    const frames = connection.events.filter((e) => e[1] === id).map((e) => e[0]);
    assert.equal(frames[0], 'headers');
    assert.ok(frames.includes('continuation'), `no CONTINUATION: ${frames.join(' ')}`);
    assert.deepEqual(client.errors, []);
  });
});

describe('frame writer DATA, WINDOW_UPDATE, RST_STREAM, CONTINUATION, GOAWAY to node:http2', () => {
  it('reads a 300 KB request body that our WINDOW_UPDATEs keep flowing', async () => {
    const peer = await startPeerServer();
    const client = connect(peer.port);
    try {
      const reply = await post(client.session, 'b'.repeat(300_000));
      assert.equal(reply.body, 'received 300000 octets');
      const connection = peer.connections[0]!;
      const data = connection.events.filter((e) => e[0] === 'data');
      const received = data.reduce((sum, e) => sum + (e[4] as number), 0);
      assert.equal(received, 300_000);
      assert.ok(data.length >= 19, `${data.length} DATA frames for 300000 octets`);
      assert.deepEqual(client.errors, []);
    } finally {
      client.session.destroy();
      peer.server.close();
    }
  });

  it('splits a 60 KB response body into DATA frames the client reassembles', async () => {
    const peer = await startPeerServer({ responseBodyBytes: 60_000 });
    const client = connect(peer.port);
    try {
      const reply = await post(client.session, 'x');
      assert.equal(reply.body, 'z'.repeat(60_000));
      assert.equal(reply.trailers['grpc-status'], '0');
      assert.deepEqual(client.errors, []);
    } finally {
      client.session.destroy();
      peer.server.close();
    }
  });

  it('resets a stream with RST_STREAM: the client sees its code, the session lives on', async () => {
    const peer = await startPeerServer();
    const client = connect(peer.port);
    try {
      const reset = await post(client.session, 'reset').then(
        (reply) => String(reply.rstCode),
        (error: Error) => error.message,
      );
      assert.match(reset, /NGHTTP2_REFUSED_STREAM|^7$/);
      const reply = await post(client.session, 'after');
      assert.equal(reply.body, 'echo:after');
      assert.deepEqual(client.errors, []);
    } finally {
      client.session.destroy();
      peer.server.close();
    }
  });

  it('delivers a response header block split into HEADERS + CONTINUATION', async () => {
    const long = 'v'.repeat(40_000);
    const peer = await startPeerServer({ responseFields: [['x-long', long]] });
    const client = connect(peer.port);
    try {
      const reply = await post(client.session, 'x');
      assert.equal(reply.headers['x-long'], long);
      assert.equal(reply.trailers['grpc-status'], '0');
      assert.deepEqual(client.errors, []);
    } finally {
      client.session.destroy();
      peer.server.close();
    }
  });

  it('reports our GOAWAY code and debug data to the client', async () => {
    const peer = await startPeerServer({
      goaway: { code: ErrorCode.ENHANCE_YOUR_CALM, debug: 'calm down' },
    });
    const client = connect(peer.port);
    try {
      const [code, lastStreamId, debug] = await waitFor<[number, number, Buffer]>(
        'the client GOAWAY event',
        (done) => client.session.on('goaway', (c, l, d) => done([c, l, d ?? Buffer.alloc(0)])),
      );
      assert.equal(code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      assert.equal(lastStreamId, 0);
      assert.equal(debug.toString(), 'calm down');
    } finally {
      client.session.destroy();
      peer.server.close();
    }
  });
});
