// What H2Connection writes, and when: one socket write per event-loop turn for everything the
// turn produced (a unary response's HEADERS + DATA + trailers together, with the turn's ACKs),
// and the bounded graceful close.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { FrameType } from '../../../src/server/h2/frame.js';
import { waitFor } from '../../helpers/wait.js';
import {
  echoConsumer,
  newLog,
  RawClient,
  RequestFrames,
  startServer,
  type TestServer,
  withPath,
} from './connection-harness.js';

/** Each socket's writes, as the frame types each write carried. */
const writes = new Map<net.Socket, number[][]>();

function recordWrites(socket: net.Socket): void {
  const log: number[][] = [];
  writes.set(socket, log);
  const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
  socket.write = ((chunk: Buffer) => {
    const types: number[] = [];
    for (let at = 0; at + 9 <= chunk.length; at += 9 + chunk.readUIntBE(at, 3)) {
      types.push(chunk[at + 3] as number);
    }
    log.push(types);
    return write(chunk);
  }) as typeof socket.write;
}

function unaryBytes(streamIds: number[]): Buffer {
  const frames = new RequestFrames();
  for (const id of streamIds) {
    frames.headers(id, withPath('/unary'));
    frames.writer.writeData(id, Buffer.from(`request ${id}`), true);
  }
  return frames.bytes();
}

describe('H2Connection output', () => {
  const log = newLog();
  const held = new Set<() => void>();
  let server: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    server = await startServer(
      echoConsumer(log, held),
      { closeTimeoutMs: 300, settingsTimeoutMs: 1500 },
      recordWrites,
    );
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
  });

  it('answers a turn of requests in one write: ACK, then HEADERS + DATA + trailers each', async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    client.send(unaryBytes([1, 3, 5]));
    await client.frame('the trailers of stream 5', (f) => f.streamId === 5 && (f.flags & 1) === 1);
    const socket = server.sockets.at(-1) as net.Socket;
    const { HEADERS, DATA, SETTINGS, WINDOW_UPDATE } = FrameType;
    const response = [HEADERS, DATA, HEADERS];
    assert.deepEqual(writes.get(socket), [
      [SETTINGS, WINDOW_UPDATE], // the server preface, at once
      [SETTINGS, ...response, ...response, ...response], // the ACK and three responses
    ]);
  });

  it("a PING's ACK waits for the answer under way and leaves in its write", async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    const frames = new RequestFrames();
    frames.headers(1, withPath('/hold/ping'));
    frames.writer.writeData(1, Buffer.from('request'), true);
    client.send(frames.bytes());
    await client.frame('the held answer', (f) => f.streamId === 1 && f.type === FrameType.DATA);
    const socket = server.sockets.at(-1) as net.Socket;
    const before = (writes.get(socket) ?? []).length;
    // Once the server has read the PING (its listener ran first), the answer ends a turn
    // later: before any timer can fire, but after the PING's own turn was flushed.
    socket.once('data', () => setImmediate(() => held.forEach((release) => release())));
    frames.writer.writePing(Buffer.from('pingpong'));
    client.send(frames.bytes(false));
    await client.frame('the PING ACK', (f) => f.type === FrameType.PING && f.flags === 1);
    await client.frame('the trailers', (f) => f.streamId === 1 && (f.flags & 1) === 1);
    held.clear();
    const { PING, HEADERS } = FrameType;
    assert.deepEqual((writes.get(socket) ?? []).slice(before), [[PING, HEADERS]]);
  });

  it('a client that never acknowledges our SETTINGS: GOAWAY SETTINGS_TIMEOUT', async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    const settings = new RequestFrames(false);
    settings.writer.writeSettings([]); // and never an ACK of the server's
    client.send(settings.bytes());
    const silent = await RawClient.connect(server.port); // sends nothing at all
    clients.push(silent);
    assert.equal(await client.goawayCode(), ErrorCode.SETTINGS_TIMEOUT);
    assert.equal(await silent.goawayCode(), ErrorCode.SETTINGS_TIMEOUT);
    await silent.closedBy();
  });

  it('close(): two GOAWAYs a PING apart, then the open streams, bounded by closeTimeoutMs', async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    client.send(unaryBytes([1])); // path /unary: answered at once
    await client.frame('the response', (f) => f.streamId === 1 && (f.flags & 1) === 1);
    const connection = server.connections.at(-1);
    assert.ok(connection !== undefined, 'the server accepted a connection');
    // A held stream (1): response headers and body, never trailers.
    const frames = new RequestFrames();
    const post = (id: number, path: string): void => void frames.headers(id, withPath(path), true);
    post(1, '/hold/forever');
    const other = await RawClient.connect(server.port);
    clients.push(other);
    other.send(frames.bytes());
    await other.frame('the held stream headers', (f) => f.type === FrameType.HEADERS);
    const holding = server.connections.at(-1);
    assert.ok(holding !== undefined && holding !== connection, 'a second connection');

    holding.close();
    const first = await other.frame('GOAWAY', (f) => f.type === FrameType.GOAWAY);
    assert.deepEqual(
      [first.payload.readUInt32BE(0), first.payload.readUInt32BE(4)],
      [0x7fff_ffff, ErrorCode.NO_ERROR],
    );
    // A request the client sent before it saw the GOAWAY is still served...
    post(3, '/unary');
    other.send(frames.bytes(false));
    await other.frame('the response to 3', (f) => f.streamId === 3 && (f.flags & 1) === 1);
    // ...and the ACK of the server's PING makes the last stream id final.
    const ping = await other.frame('PING', (f) => f.type === FrameType.PING && f.flags === 0);
    frames.writer.writePingAck(ping.payload);
    other.send(frames.bytes(false));
    const last = await other.frame('2nd GOAWAY', (f) => f.type === FrameType.GOAWAY && f !== first);
    assert.deepEqual(
      [last.payload.readUInt32BE(0), last.payload.readUInt32BE(4)],
      [3, ErrorCode.NO_ERROR],
    );
    // Stream 1 never ends: closeTimeoutMs destroys the connection and tells its consumer.
    await other.closedBy();
    await waitFor('onClose(CANCEL) at the consumer', (done) => {
      const poll = (): void => (log.closes.has(1) ? done(undefined) : void setImmediate(poll));
      poll();
    });
    assert.equal(log.closes.get(1), ErrorCode.CANCEL);
    // An idle connection whose client never answers the PING closes at closeTimeoutMs.
    connection.close();
    await client.closedBy();
  });
});
