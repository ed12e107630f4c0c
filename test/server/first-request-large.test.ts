/**
 * A connection's first request may be large. HTTP/2 lets a client send HEADERS and a whole
 * initial window (64 KiB) of DATA right after its preface, before it has read and ACKed the
 * server's SETTINGS. The listener reads a connection's opening bytes to choose its HTTP/2
 * path (src/server/http2/session-path.ts, 8734a9f) and must not drop such a client. One real
 * member: grpc-js channels whose first call is a 100 or 300 KiB Put, and a raw HTTP/2 client
 * that sends its whole first request (65,535 bytes of DATA) before ACKing, as HTTP/2 allows.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { waitFor } from '../helpers/wait.js';

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK literal header field without indexing, new name, no Huffman (short strings). */
function literal(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([Buffer.from([0x00, n.length]), n, Buffer.from([v.length]), v]);
}

function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value >>>= 7) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return out;
}

/** A KV.Put of `key` whose gRPC message is exactly `messageBytes` long. */
function putMessage(key: string, messageBytes: number): Buffer {
  const k = Buffer.from(key);
  const valueBytes = messageBytes - 5 - (2 + k.length) - (1 + 3);
  const body = Buffer.concat([
    Buffer.from([0x0a, k.length]),
    k,
    Buffer.from([0x12, ...varint(valueBytes)]),
    Buffer.alloc(valueBytes, 0x62),
  ]);
  assert.equal(varint(valueBytes).length, 3);
  const prefix = Buffer.from([0, 0, 0, 0, 0]);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

describe('a large first request on a new connection', () => {
  let member: MemberProcess;
  const clients: Client[] = [];
  before(async () => {
    member = await MemberProcess.start();
  });
  after(async () => {
    for (const client of clients) client.close();
    await member?.destroy();
  });

  it('a client that sends a whole window of its first request before ACKing SETTINGS is answered', async () => {
    const { hostname, port } = new URL(member.url);
    const message = putMessage('raw/first', 65_535);
    const data: Buffer[] = [];
    for (let at = 0; at < message.length; at += 16_384) {
      const end = Math.min(at + 16_384, message.length);
      data.push(frame(0x0, end === message.length ? 0x1 : 0, 1, message.subarray(at, end)));
    }
    const headers = Buffer.concat([
      literal(':method', 'POST'),
      literal(':scheme', 'http'),
      literal(':path', '/etcdserverpb.KV/Put'),
      literal(':authority', `${hostname}:${port}`),
      literal('content-type', 'application/grpc'),
      literal('te', 'trailers'),
    ]);
    const opening = Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      frame(0x4, 0, 0, Buffer.alloc(0)),
      frame(0x1, 0x4, 1, headers),
      ...data,
    ]);
    const socket = connect(Number(port), hostname);
    try {
      const outcome = await waitFor<string>(
        'a response HEADERS frame on stream 1, or the connection closed',
        (done) => {
          let received = Buffer.alloc(0);
          let acked = false;
          socket.on('connect', () => socket.write(opening));
          socket.on('close', () => done(`closed after ${received.length} bytes`));
          socket.on('data', (chunk: Buffer) => {
            received = Buffer.concat([received, chunk]);
            for (let at = 0; at + 9 <= received.length;) {
              const length = received.readUIntBE(at, 3);
              const [type, flags] = [received[at + 3]!, received[at + 4]!];
              const stream = received.readUInt32BE(at + 5) & 0x7fff_ffff;
              if (type === 0x4 && (flags & 0x1) === 0 && !acked) {
                acked = true; // the client ACKs the server's SETTINGS as soon as it reads them
                socket.write(frame(0x4, 0x1, 0, Buffer.alloc(0)));
              }
              if (type === 0x1 && stream === 1) return done('answered');
              at += 9 + length;
            }
          });
        },
        15_000,
      );
      assert.equal(outcome, 'answered', `the server ${outcome}`);
    } finally {
      socket.destroy();
    }
  });

  for (const kib of [100, 300]) {
    it(`a ${kib} KiB Put as a fresh connection's first request succeeds`, async () => {
      const client = rawClient('KV', new URL(member.url).host);
      clients.push(client);
      const value = Buffer.alloc(kib * 1024, 0x61);
      const response = await unaryCall<{ header: { revision: string } }>(client, 'put', {
        key: Buffer.from(`first/${kib}`),
        value,
      });
      assert.ok(Number(response.header.revision) > 1, member.describe());
    });
  }
});
