// Protocol faults sent as raw bytes to an H2Connection server: each must end in the frame
// RFC 9113 names (GOAWAY with the right code for connection errors, RST_STREAM for stream
// errors), and the server must keep serving others.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { FrameType } from '../../../src/server/h2/frame.js';
import { waitFor } from '../../helpers/wait.js';
import type { HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import {
  echoConsumer,
  newLog,
  RawClient,
  RequestFrames,
  requestFields,
  startServer,
  withPath,
  type TestServer,
} from './connection-harness.js';

const request = requestFields;
const paused = withPath('/pause/it');

const rstCode = (payload: Buffer): number => payload.readUInt32BE(0);
const emptyData = Buffer.alloc(0);

describe('H2Connection protocol faults (raw frames)', () => {
  const log = newLog();
  let server: TestServer;
  let tight: TestServer;
  const clients: RawClient[] = [];

  async function raw(target: TestServer = server): Promise<RawClient> {
    const client = await RawClient.connect(target.port);
    clients.push(client);
    return client;
  }

  before(async () => {
    server = await startServer(echoConsumer(log));
    tight = await startServer(echoConsumer(log), {
      connectionWindowBytes: 65_535,
      resetsPerSecondMax: 50,
      pingsPerSecondMax: 20,
      settingsPerSecondMax: 20,
      emptyDataPerSecondMax: 20,
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
    await tight.stop();
  });

  it('a bad preface: GOAWAY PROTOCOL_ERROR', async () => {
    const client = await raw();
    client.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(await client.goawayCode(), ErrorCode.PROTOCOL_ERROR);
    await client.closedBy();
  });

  it('a first frame other than SETTINGS: GOAWAY PROTOCOL_ERROR', async () => {
    const client = await raw();
    const frames = new RequestFrames(false);
    frames.writer.writePing(Buffer.alloc(8));
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.PROTOCOL_ERROR);
  });

  it('an even stream id: GOAWAY PROTOCOL_ERROR', async () => {
    const client = await raw();
    client.send(new RequestFrames().headers(2).bytes());
    assert.equal(await client.goawayCode(), ErrorCode.PROTOCOL_ERROR);
  });

  it('a decreasing stream id: GOAWAY PROTOCOL_ERROR naming the last stream', async () => {
    const client = await raw();
    client.send(new RequestFrames().headers(5).headers(3).bytes());
    const goaway = await client.frame('GOAWAY', (f) => f.type === FrameType.GOAWAY);
    assert.equal(goaway.payload.readUInt32BE(4), ErrorCode.PROTOCOL_ERROR);
    assert.equal(goaway.payload.readUInt32BE(0), 5, 'last stream id');
    assert.match(goaway.payload.subarray(8).toString(), /stream 3/);
  });

  it('DATA beyond the connection window: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const client = await raw(tight);
    const frames = new RequestFrames().headers(1, paused);
    for (let i = 0; i < 5; i++) frames.writer.writeData(1, Buffer.alloc(16_384), false);
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('DATA beyond a stream window: RST_STREAM FLOW_CONTROL_ERROR, connection kept', async () => {
    const client = await raw();
    const frames = new RequestFrames().headers(1, paused);
    // 1 MiB stream window + 16 KiB; the connection window (16 MiB) is not exceeded.
    for (let i = 0; i < 65; i++) frames.writer.writeData(1, Buffer.alloc(16_384), false);
    frames.writer.writePing(Buffer.from('after-it'));
    client.send(frames.bytes());
    const rst = await client.frame('RST_STREAM', (f) => f.type === FrameType.RST_STREAM);
    assert.equal(rst.streamId, 1);
    assert.equal(rstCode(rst.payload), ErrorCode.FLOW_CONTROL_ERROR);
    await client.frame('PING ACK', (f) => f.type === FrameType.PING && f.flags === 1);
  });

  it('DATA held for a paused stream that is reset goes back to the connection window', async () => {
    const client = await raw(tight); // a 64 KiB connection window
    const frames = new RequestFrames().headers(1, paused);
    for (let i = 0; i < 3; i++) frames.writer.writeData(1, Buffer.alloc(16_384), false);
    frames.writer.writeRstStream(1, ErrorCode.CANCEL);
    frames.headers(3, request, false);
    for (let i = 0; i < 3; i++) frames.writer.writeData(3, Buffer.alloc(16_384, 3), i === 2);
    client.send(frames.bytes());
    await client.frame('the end of stream 3', (f) => f.streamId === 3 && (f.flags & 1) === 1);
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0);
  });

  it('request DATA answered inside onData still goes back to the connection window', async () => {
    const client = await raw(tight); // a 64 KiB connection window
    const frames = new RequestFrames();
    // Windows for the echoed 160 KiB: this client reads everything.
    frames.writer.writeSettings([{ id: 4, value: 1 << 20 }]);
    frames.writer.writeWindowUpdate(0, 1 << 20);
    // Ten unary requests of 16 KiB each: the echo ends each stream inside its onData.
    for (let id = 1; id < 20; id += 2) {
      frames.headers(id, request, false);
      frames.writer.writeData(id, Buffer.alloc(16_384, id), true);
    }
    client.send(frames.bytes());
    await client.frame('the end of stream 19', (f) => f.streamId === 19 && (f.flags & 1) === 1);
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0);
  });

  it('WINDOW_UPDATE past 2^31-1: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const client = await raw();
    const frames = new RequestFrames();
    frames.writer.writeWindowUpdate(0, 0x7fff_ffff);
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('a stream window past 2^31-1: RST_STREAM by WINDOW_UPDATE, GOAWAY by SETTINGS (6.9.2)', async () => {
    const client = await raw();
    const frames = new RequestFrames().headers(1, paused).headers(3, paused);
    frames.writer.writeWindowUpdate(1, 0x7fff_ffff); // 65535 + 2^31-1: too far
    frames.writer.writeWindowUpdate(3, 0x7fff_ffff - 65_535); // exactly 2^31-1
    client.send(frames.bytes());
    const rst = await client.frame('RST_STREAM', (f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual([rst.streamId, rstCode(rst.payload)], [1, ErrorCode.FLOW_CONTROL_ERROR]);
    // One more octet of initial window moves stream 3's window past the maximum.
    frames.writer.writeSettings([{ id: 4, value: 65_536 }]);
    client.send(frames.bytes(false));
    assert.equal(await client.goawayCode(), ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('a header block HPACK cannot decode: GOAWAY COMPRESSION_ERROR', async () => {
    const client = await raw();
    const frames = new RequestFrames();
    frames.writer.writeHeaders(1, Buffer.from([0x80]), true); // indexed field 0
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.COMPRESSION_ERROR);
  });

  it('malformed requests: RST_STREAM PROTOCOL_ERROR, the table kept in step', async () => {
    const client = await raw();
    const frames = new RequestFrames()
      .headers(1, [...request, { name: 'X-Upper', value: 'v' }], true)
      .headers(3, request.slice(1), true) // no :method
      .headers(5, [{ name: 'te', value: 'gzip' }, ...request], true) // regular before pseudo
      .headers(7, [...request, { name: 'connection', value: 'close' }], true)
      .headers(9, [...request, { name: ':status', value: '200' }], true)
      .headers(11, request, false);
    frames.writer.writeData(11, Buffer.from('ok'), true);
    client.send(frames.bytes());
    const reply = await client.frame(
      'the DATA of stream 11',
      (f) => f.streamId === 11 && f.type === 0,
    );
    assert.equal(reply.payload.toString(), 'ok');
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, rstCode(f.payload)]),
      [1, 3, 5, 7, 9].map((id) => [id, ErrorCode.PROTOCOL_ERROR]),
    );
  });

  it('request trailers end the request; a second block without END_STREAM is malformed', async () => {
    const client = await raw();
    const frames = new RequestFrames().headers(1).headers(3);
    frames.writer.writeData(1, Buffer.from('with trailers'), false);
    frames.headers(1, [{ name: 'x-checksum', value: '1' }], true);
    frames.headers(3, [{ name: 'x-more', value: '1' }], false);
    client.send(frames.bytes());
    const reply = await client.frame('DATA of stream 1', (f) => f.streamId === 1 && f.type === 0);
    assert.equal(reply.payload.toString(), 'with trailers');
    const rst = await client.frame('RST_STREAM of 3', (f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual([rst.streamId, rstCode(rst.payload)], [3, ErrorCode.PROTOCOL_ERROR]);
  });

  it('content-length must match the DATA (8.1.1): RST_STREAM PROTOCOL_ERROR otherwise', async () => {
    const client = await raw();
    const length = (n: string): HeaderField[] => [...request, { name: 'content-length', value: n }];
    const frames = new RequestFrames().headers(1, length('5')).headers(3, length('5'));
    frames.headers(5, length('5'), true).headers(7, length('x')).headers(9, length('4'));
    frames.writer.writeData(1, Buffer.from('12345'), true); // matches
    frames.writer.writeData(3, Buffer.from('123'), true); // short
    frames.writer.writeData(9, Buffer.from('12345'), false); // long
    client.send(frames.bytes());
    const reply = await client.frame('DATA of stream 1', (f) => f.streamId === 1 && f.type === 0);
    assert.equal(reply.payload.toString(), '12345');
    await client.frame(
      'RST_STREAM of 9',
      (f) => f.type === FrameType.RST_STREAM && f.streamId === 9,
    );
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, rstCode(f.payload)]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
      [3, 5, 7, 9].map((id) => [id, ErrorCode.PROTOCOL_ERROR]),
    );
  });

  it('ending a stream the client still sends on: trailers, then RST_STREAM NO_ERROR (8.1)', async () => {
    const client = await raw();
    const early = withPath('/early/x');
    const frames = new RequestFrames().headers(1, early, false);
    client.send(frames.bytes());
    const rst = await client.frame('RST_STREAM', (f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual([rst.streamId, rstCode(rst.payload)], [1, ErrorCode.NO_ERROR]);
    const ofStream = client.frames.filter((f) => f.streamId === 1).map((f) => [f.type, f.flags]);
    assert.deepEqual(ofStream, [
      [FrameType.HEADERS, 0x4], // END_HEADERS
      [FrameType.HEADERS, 0x5], // the trailers: END_STREAM | END_HEADERS
      [FrameType.RST_STREAM, 0],
    ]);
    // What the client had in flight for stream 1 is ignored, trailers included.
    frames.writer.writeData(1, Buffer.from('late'), false);
    frames.writer.writeHeaders(1, frames.encoder.encode([{ name: 'x-late', value: '1' }]), true);
    frames.writer.writePing(Buffer.from('all good'));
    client.send(frames.bytes(false));
    await client.frame('PING ACK', (f) => f.type === FrameType.PING && f.flags === 1);
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0);
  });

  it('a header list past 64 KiB (table references): RST_STREAM, the connection kept', async () => {
    const client = await raw();
    const big = { name: 'x-big', value: 'b'.repeat(4000) };
    // The first block puts the field in both tables; the second refers to it 17 times in 17
    // octets, a header list of ~68 KiB from a block of a few dozen.
    const frames = new RequestFrames().headers(1, [...request, big], true);
    frames.headers(3, [...request, ...Array.from({ length: 17 }, () => big)], true);
    frames.headers(5, [...request, big], true);
    client.send(frames.bytes());
    await client.frame('the end of stream 5', (f) => f.streamId === 5 && (f.flags & 1) === 1);
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, rstCode(f.payload)]),
      [[3, ErrorCode.PROTOCOL_ERROR]],
    );
    assert.ok(
      client.frames.some((f) => f.streamId === 1 && (f.flags & 1) === 1),
      'stream 1 answered',
    );
  });

  it('past MAX_CONCURRENT_STREAMS: RST_STREAM REFUSED_STREAM, the others kept', async () => {
    const client = await raw();
    const frames = new RequestFrames();
    // 1000 held streams (paused, never ended), then one more.
    for (let id = 1; id <= 2001; id += 2) frames.headers(id, paused);
    frames.writer.writePing(Buffer.from('barrier!'));
    client.send(frames.bytes());
    await client.frame('PING ACK', (f) => f.type === FrameType.PING && f.flags === 1);
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, rstCode(f.payload)]),
      [[2001, ErrorCode.REFUSED_STREAM]],
    );
    assert.equal(server.connections.at(-1)?.streamCount, 1000);
  });

  it('DATA on a stream we reset is ignored but replenishes the connection window', async () => {
    const client = await raw(tight);
    const frames = new RequestFrames().headers(1, [...request, { name: 'Bad', value: 'x' }]);
    // 160 KiB on the reset stream: more than the 64 KiB connection window unless refilled.
    for (let i = 0; i < 10; i++) frames.writer.writeData(1, Buffer.alloc(16_384), false);
    frames.headers(3, request, false);
    frames.writer.writeData(3, Buffer.from('fine'), true);
    client.send(frames.bytes());
    const reply = await client.frame('DATA of stream 3', (f) => f.streamId === 3 && f.type === 0);
    assert.equal(reply.payload.toString(), 'fine');
    const updates = client.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE);
    assert.ok(
      updates.some((f) => f.streamId === 0),
      'a connection WINDOW_UPDATE',
    );
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0);
  });

  it('RST_STREAM on an idle stream: GOAWAY PROTOCOL_ERROR', async () => {
    const client = await raw();
    const frames = new RequestFrames();
    frames.writer.writeRstStream(7, ErrorCode.CANCEL);
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.PROTOCOL_ERROR);
  });

  it('a rapid-reset flood: GOAWAY ENHANCE_YOUR_CALM', async () => {
    const client = await raw(tight);
    const frames = new RequestFrames();
    for (let id = 1; id < 200; id += 2) {
      frames.headers(id);
      frames.writer.writeRstStream(id, ErrorCode.CANCEL);
    }
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  });

  it('a PING flood and a SETTINGS flood: GOAWAY ENHANCE_YOUR_CALM', async () => {
    for (const flood of ['ping', 'settings']) {
      const client = await raw(tight);
      const frames = new RequestFrames();
      for (let i = 0; i < 50; i++) {
        if (flood === 'ping') frames.writer.writePing(Buffer.alloc(8, i));
        else frames.writer.writeSettings([{ id: 4, value: 70_000 + i }]);
      }
      client.send(frames.bytes());
      assert.equal(await client.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM, flood);
    }
  });

  it('empty DATA frames: a flood is ENHANCE_YOUR_CALM, and they do not excuse PINGs', async () => {
    for (const flood of ['empty DATA', 'PINGs between empty DATA']) {
      const client = await raw(tight);
      const frames = new RequestFrames().headers(1, paused);
      for (let i = 0; i < 50; i++) {
        if (flood !== 'empty DATA') frames.writer.writePing(Buffer.alloc(8, i));
        if (flood === 'empty DATA' || i % 2 === 0) frames.writer.writeData(1, emptyData, false);
      }
      client.send(frames.bytes());
      assert.equal(await client.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM, flood);
    }
  });

  it('HEADERS that open no stream do not excuse PINGs either', async () => {
    const client = await raw(tight);
    // Stream 1 is refused (malformed); trailers for it are excused, and cost us nothing.
    const frames = new RequestFrames().headers(1, [...request, { name: 'Bad', value: 'x' }]);
    for (let i = 0; i < 50; i++) {
      frames.writer.writePing(Buffer.alloc(8, i));
      frames.headers(1, [{ name: 'x-t', value: String(i) }], true);
    }
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  });

  it('resets the client provokes count as rapid resets (MadeYouReset)', async () => {
    const client = await raw(tight);
    const frames = new RequestFrames();
    // Each stream reaches the consumer, then a WINDOW_UPDATE past 2^31-1 makes us reset it.
    for (let id = 1; id < 200; id += 2) {
      frames.headers(id, paused);
      frames.writer.writeWindowUpdate(id, 0x7fff_ffff);
    }
    client.send(frames.bytes());
    assert.equal(await client.goawayCode(), ErrorCode.ENHANCE_YOUR_CALM);
  });

  it("PINGs that come with requests are no flood (grpc-go's BDP pings)", async () => {
    const client = await raw(tight);
    const frames = new RequestFrames();
    for (let id = 1; id < 400; id += 2) {
      frames.headers(id, request, true);
      frames.writer.writePing(Buffer.alloc(8, id & 0xff));
    }
    client.send(frames.bytes());
    await client.frame('the last response', (f) => f.streamId === 399 && (f.flags & 1) === 1);
    const acks = client.frames.filter((f) => f.type === FrameType.PING && f.flags === 1);
    assert.equal(acks.length, 200);
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0);
  });

  it('after all of it, the server still serves a real client', async () => {
    for (const target of [server, tight]) {
      const session = http2.connect(`http://127.0.0.1:${target.port}`);
      try {
        const body = await waitFor<string>('the answer to /still', (resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': '/still' });
          let text = '';
          stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
          stream.on('end', () => resolve(text));
          stream.on('error', reject);
          stream.end('alive');
        });
        assert.equal(body, 'alive');
      } finally {
        session.destroy();
      }
    }
  });
});
