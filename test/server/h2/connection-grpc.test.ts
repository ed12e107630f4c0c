// H2Connection against real gRPC clients: @grpc/grpc-js (node:http2 underneath) and etcdctl
// 3.4 (grpc-go: its own HTTP/2 stack, BDP pings, its own window updates), each answered by a
// consumer of this layer alone.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import type { Consumer } from './connection-harness.js';
import { echoConsumer, newLog, okHeaders, okTrailers, startServer } from './connection-harness.js';
import type { TestServer } from './connection-harness.js';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { H2Connection } from '../../../src/server/h2/connection.js';
import { Etcdctl, etcdctlSkip } from '../../helpers/etcdctl.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { waitFor } from '../../helpers/wait.js';

/** A gRPC message: compressed flag 0, 4-octet length, the message. */
function framed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** PutResponse{header{cluster_id: 1, member_id: 2, revision: 3, raft_term: 4}}. */
const putResponse = framed(
  Buffer.from([0x0a, 0x08, 0x08, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x04]),
);

/** Answers /etcdserverpb.KV/Put with the fixed PutResponse, anything else UNIMPLEMENTED. */
const putConsumer: Consumer = (stream, headers) => {
  stream.onData = (_bytes, endStream) => {
    if (!endStream) return;
    if (headers.path !== '/etcdserverpb.KV/Put') {
      stream.respond([...okHeaders, { name: 'grpc-status', value: '12' }], true);
      return;
    }
    stream.respond(okHeaders);
    stream.write(putResponse);
    stream.end(okTrailers);
  };
};

function unary(client: grpc.Client, method: string, message: Buffer): Promise<Buffer> {
  return waitFor(`the answer to ${method}`, (resolve, reject) => {
    client.makeUnaryRequest(
      method,
      (value: Buffer) => value,
      (value: Buffer) => value,
      message,
      (error, response) => (error ? reject(error) : resolve(response as Buffer)),
    );
  });
}

describe('H2Connection with @grpc/grpc-js', () => {
  let server: TestServer;
  let client: grpc.Client;

  before(async () => {
    server = await startServer(echoConsumer(newLog()));
    client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  it('makes unary calls, in sequence and concurrently', async () => {
    for (let i = 0; i < 50; i++) {
      const message = Buffer.from(`call ${i}`);
      assert.deepEqual(await unary(client, '/test.Echo/Unary', message), message);
    }
    const messages = Array.from({ length: 100 }, (_, i) => Buffer.alloc(i * 100, i));
    const replies = await Promise.all(messages.map((m) => unary(client, '/test.Echo/Unary', m)));
    replies.forEach((reply, i) => assert.deepEqual(reply, messages[i]));
  });

  it('carries a 2 MB message each way', async () => {
    const big = Buffer.alloc(2 << 20, 9);
    const reply = await unary(client, '/test.Echo/Unary', big);
    assert.ok(reply.equals(big), 'the large message echoed whole');
  });
});

describe('H2Connection with etcdctl (grpc-go)', { skip: etcdctlSkip }, () => {
  let server: TestServer;
  let etcdctl: Etcdctl;

  before(async () => {
    server = await startServer(putConsumer);
    etcdctl = new Etcdctl(() => `127.0.0.1:${server.port}`);
  });
  after(async () => {
    await server.stop();
  });

  it('etcdctl put gets the fixed PutResponse', async () => {
    assert.equal((await etcdctl.ok('put', 'a', 'b')).trim(), 'OK');
    const json = await etcdctl.json<{ header: Record<string, number> }>(
      'put',
      'k',
      'v'.repeat(100_000),
    );
    assert.deepEqual(json.header, { cluster_id: 1, member_id: 2, revision: 3, raft_term: 4 });
  });

  it('an unknown method is a gRPC error, not a protocol failure', async () => {
    const stderr = await etcdctl.fails('get', 'a');
    assert.match(stderr, /Unimplemented|code = Unimplemented/i);
  });
});

describe('H2Connection over TLS (ALPN h2) with @grpc/grpc-js and etcdctl', () => {
  let certs: TlsFixtures;
  let server: tls.Server;
  let port = 0;

  before(async () => {
    certs = createTlsFixtures();
    server = tls.createServer(
      {
        key: readFileSync(certs.server.key),
        cert: readFileSync(certs.server.cert),
        ALPNProtocols: ['h2'],
      },
      (socket) => new H2Connection(socket, putConsumer),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    certs.remove();
  });

  it('serves unary calls on a tls.TLSSocket', async () => {
    const client = new grpc.Client(
      `127.0.0.1:${port}`,
      grpc.credentials.createSsl(readFileSync(certs.ca.cert)),
      { 'grpc.ssl_target_name_override': 'localhost' }, // not an IP as TLS server name
    );
    try {
      const reply = await unary(client, '/etcdserverpb.KV/Put', framed(Buffer.from('x')));
      assert.deepEqual(reply, putResponse.subarray(5));
    } finally {
      client.close();
    }
    if (etcdctlSkip === false) {
      const etcdctl = new Etcdctl(() => `https://127.0.0.1:${port}`);
      assert.equal((await etcdctl.ok('--cacert', certs.ca.cert, 'put', 'a', 'b')).trim(), 'OK');
    }
  });
});
