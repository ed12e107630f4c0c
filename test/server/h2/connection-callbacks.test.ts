// A consumer callback that throws (onStream, onData, onClose) is a bug in the consumer, not
// in the client: only that stream may fail (RST_STREAM INTERNAL_ERROR), the error is reported,
// the request's octets still go back to the connection window, and the connection keeps
// serving. Before, the throw escaped the socket's 'data' listener and took the process down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { FrameType } from '../../../src/server/h2/frame.js';
import {
  echoConsumer,
  newLog,
  RawClient,
  RequestFrames,
  startServer,
  type Consumer,
  type TestServer,
  withPath,
} from './connection-harness.js';

const log = newLog();
const echo = echoConsumer(log);

/** Throws from the callback its path names; echoes otherwise. */
const throwing: Consumer = (stream, headers) => {
  if (headers.path === '/throw/stream') throw new Error('onStream failed');
  echo(stream, headers);
  if (headers.path === '/throw/data') {
    stream.onData = () => {
      throw new Error('onData failed');
    };
  }
  if (headers.path === '/throw/close') {
    stream.onClose = () => {
      throw new Error('onClose failed');
    };
  }
};

describe('H2Connection consumer callbacks that throw', () => {
  let server: TestServer;
  const reported: string[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    server = await startServer(throwing, {
      connectionWindowBytes: 65_535,
      onCallbackError: (error) => reported.push((error as Error).message),
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
  });

  it('only the stream fails (INTERNAL_ERROR), its DATA is credited, the connection serves on', async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    const frames = new RequestFrames();
    frames.headers(1, withPath('/throw/stream'), true);
    // 5 x 16 KiB to a consumer that throws: more than the 64 KiB window unless credited.
    frames.headers(3, withPath('/throw/data'));
    for (let i = 0; i < 5; i++) frames.writer.writeData(3, Buffer.alloc(16_384), false);
    frames.headers(5, withPath('/throw/close'));
    frames.writer.writeRstStream(5, ErrorCode.CANCEL);
    frames.headers(7, withPath('/echo'));
    frames.writer.writeData(7, Buffer.from('still here'), true);
    client.send(frames.bytes());
    const reply = await client.frame('DATA of stream 7', (f) => f.streamId === 7 && f.type === 0);
    assert.equal(reply.payload.toString(), 'still here');
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    assert.deepEqual(
      resets.map((f) => [f.streamId, f.payload.readUInt32BE(0)]),
      [
        [1, ErrorCode.INTERNAL_ERROR],
        [3, ErrorCode.INTERNAL_ERROR],
      ],
    );
    assert.equal(client.frames.filter((f) => f.type === FrameType.GOAWAY).length, 0, 'no GOAWAY');
    assert.deepEqual(reported, ['onStream failed', 'onData failed', 'onClose failed']);
  });
});
