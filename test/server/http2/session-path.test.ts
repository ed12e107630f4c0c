/**
 * chooseSessionPath over a real loopback socket: the server preface goes out first, the
 * client's ACK of it is dropped, everything else is handed on in order, and only a URL-valued
 * :authority (or an unexpected opening) takes the rewriting path.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  chooseSessionPath,
  serverPreface,
  type SessionPath,
} from '../../../src/server/http2/session-path.js';
import { waitFor } from '../../helpers/wait.js';
import { flag, frame, frameType, preface, requestBlock } from './hpack-encoder.js';

const settings = frame(frameType.settings, 0, 0, Buffer.alloc(0));
const settingsAck = frame(frameType.settings, 0x1, 0, Buffer.alloc(0));
const windowUpdate = frame(0x8, 0, 0, Buffer.from([0, 0, 0x10, 0]));
const ping = frame(0x6, 0, 0, Buffer.alloc(8));
const headers = (authority: string): Buffer =>
  frame(frameType.headers, flag.endHeaders, 1, requestBlock(authority, true));
const data = frame(frameType.data, flag.endStream, 1, Buffer.from([0, 0, 0, 0, 0]));

interface Choice {
  readonly path: SessionPath;
  readonly bytes: Buffer;
}

describe('chooseSessionPath: native HTTP/2 unless the first request needs its :authority rewritten', () => {
  let server: Server;
  let port = 0;
  /** Called with the next connection's choice. */
  let onChoice: (choice: Choice) => void = () => assert.fail('a choice nobody waited for');

  before(async () => {
    server = createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        chooseSessionPath(
          socket,
          first,
          { maxConcurrentStreams: 100, requestWaitMs: 300 },
          (path, bytes) => onChoice({ path, bytes }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  /** Opens a client: sends `opening`, waits for the server preface, then sends `afterPreface`. */
  const open = async (
    opening: Buffer,
    afterPreface: Buffer,
  ): Promise<{ client: Socket; choice: Choice; received: Buffer }> => {
    const chosen = waitFor<Choice>('the session path choice', (done) => (onChoice = done));
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    let received = Buffer.alloc(0);
    const prefaceBytes = serverPreface(100).length;
    const prefaceReceived = waitFor<void>('the server preface', (done) =>
      client.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= prefaceBytes) done();
      }),
    );
    client.write(opening);
    await prefaceReceived;
    client.write(afterPreface);
    return { client, choice: await chosen, received };
  };

  it('sends the SETTINGS the session would send (MAX_CONCURRENT_STREAMS) as the preface', async () => {
    const { client, received } = await open(
      Buffer.concat([preface, settings]),
      Buffer.concat([settingsAck, headers('127.0.0.1:2379'), data]),
    );
    assert.deepEqual(received, Buffer.from('000006040000000000000300000064', 'hex'));
    client.destroy();
  });

  it('a plain host:port (grpc-go, grpc-js) goes native; the ACK is dropped, the rest handed on in order', async () => {
    const { client, choice } = await open(
      Buffer.concat([preface, settings, windowUpdate]),
      Buffer.concat([settingsAck, headers('127.0.0.1:2379'), data]),
    );
    assert.equal(choice.path, 'native');
    assert.deepEqual(
      choice.bytes,
      Buffer.concat([preface, settings, windowUpdate, headers('127.0.0.1:2379'), data]),
    );
    client.destroy();
  });

  it('a request sent before the preface arrived (grpc-js) waits for the ACK, which is dropped', async () => {
    const { client, choice } = await open(
      Buffer.concat([preface, settings, headers('localhost:2379'), data]),
      settingsAck,
    );
    assert.equal(choice.path, 'native');
    assert.deepEqual(
      choice.bytes,
      Buffer.concat([preface, settings, headers('localhost:2379'), data]),
    );
    client.destroy();
  });

  it("etcdctl 3.4's URL :authority takes the rewriting path", async () => {
    const { client, choice } = await open(
      Buffer.concat([preface, settings]),
      Buffer.concat([settingsAck, headers('http://127.0.0.1:2379'), data]),
    );
    assert.equal(choice.path, 'rewrite');
    assert.deepEqual(
      choice.bytes,
      Buffer.concat([preface, settings, headers('http://127.0.0.1:2379'), data]),
    );
    client.destroy();
  });

  it('a PING before any request takes the rewriting path', async () => {
    const { client, choice } = await open(
      Buffer.concat([preface, settings]),
      Buffer.concat([settingsAck, ping]),
    );
    assert.equal(choice.path, 'rewrite');
    assert.deepEqual(choice.bytes, Buffer.concat([preface, settings, ping]));
    client.destroy();
  });

  it('a client that sends no request after the ACK takes the rewriting path, in time', async () => {
    const { client, choice } = await open(Buffer.concat([preface, settings]), settingsAck);
    assert.equal(choice.path, 'rewrite');
    assert.deepEqual(choice.bytes, Buffer.concat([preface, settings]));
    client.destroy();
  });
});
