// HPACK against a second real implementation, in the other direction: Go's (golang.org/x/net
// http2/hpack inside etcd 3.4's grpc-go server). A raw-socket HTTP/2 client here sends gRPC
// calls encoded by our HpackEncoder and decodes etcd's responses with our HpackDecoder, on one
// connection, so both sides' dynamic tables fill and are referred to: Puts and Ranges, a
// "-bin" and a never-indexed header, a call etcd refuses (its grpc-message must arrive
// intact), and a second connection that asks Go's encoder for a 64-octet table (size update,
// constant eviction).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HpackDecoder, type DecodedField } from '../../../src/server/h2/hpack-decoder.js';
import { HpackEncoder, type HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import { EtcdProcess, etcdUnavailable } from '../../helpers/etcd-process.js';
import { waitFor } from '../../helpers/wait.js';
import {
  rawFlag as flag,
  rawFrame as frame,
  RawFrameSplitter,
  RawHeaderBlocks,
  rawPreface,
  rawSetting,
  rawType as type,
} from './raw-frames.js';

/** A protobuf bytes field (wire type 2), short enough for a one-octet length. */
function bytesField(field: number, value: string): Buffer {
  const octets = Buffer.from(value);
  assert.ok(octets.length < 128, 'a one-octet protobuf length');
  return Buffer.concat([Buffer.from([(field << 3) | 2, octets.length]), octets]);
}

/** A gRPC length-prefixed message (uncompressed). */
function grpcMessage(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

interface Answer {
  headers: DecodedField[];
  trailers: DecodedField[];
  data: number;
}

/** One HTTP/2 connection to etcd with our HPACK on both directions. */
class RawClient {
  readonly decoder = new HpackDecoder();
  readonly encoder = new HpackEncoder();
  /** Octets of each header block etcd sent, in order. */
  readonly blockOctets: number[] = [];
  sizeUpdates = 0;
  private readonly splitter = new RawFrameSplitter();
  private readonly blocks = new RawHeaderBlocks();
  private nextStream = 1;
  private readonly answers = new Map<number, Partial<Answer> & { data: number }>();
  private readonly waiting = new Map<
    number,
    { done: (answer: Answer) => void; fail: (error: Error) => void }
  >();
  private failure: unknown;

  private constructor(
    private readonly socket: Socket,
    private readonly authority: string,
    /** Our SETTINGS_HEADER_TABLE_SIZE, binding etcd's encoder once it acknowledges. */
    private readonly headerTableSize: number | undefined,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => {
      for (const { fail } of this.waiting.values()) {
        fail(new Error(`connection closed: ${String(this.failure)}`));
      }
    });
  }

  static async connect(endpoint: string, headerTableSize?: number): Promise<RawClient> {
    const [host, port] = endpoint.split(':') as [string, string];
    const socket = connect(Number(port), host);
    await waitFor<void>(`a connection to etcd at ${endpoint}`, (done, fail) => {
      socket.once('connect', () => done());
      socket.once('error', fail);
    });
    const settings =
      headerTableSize === undefined ? Buffer.alloc(0) : rawSetting(0x1, headerTableSize);
    socket.write(Buffer.concat([rawPreface, frame(type.settings, 0, 0, settings)]));
    return new RawClient(socket, endpoint, headerTableSize);
  }

  /** A unary call; resolves with etcd's decoded headers and trailers. */
  call(path: string, message: Buffer, metadata: HeaderField[] = []): Promise<Answer> {
    const streamId = this.nextStream;
    this.nextStream += 2;
    const block = Buffer.from(
      this.encoder.encode([
        { name: ':method', value: 'POST' },
        { name: ':scheme', value: 'http' },
        { name: ':path', value: path },
        { name: ':authority', value: this.authority },
        { name: 'content-type', value: 'application/grpc' },
        { name: 'te', value: 'trailers' },
        { name: 'user-agent', value: 'concord-hpack-test' },
        ...metadata,
      ]),
    );
    this.answers.set(streamId, { data: 0 });
    const answered = waitFor<Answer>(
      `etcd's answer on stream ${streamId} (${path})`,
      (done, fail) => {
        if (this.failure !== undefined) fail(new Error(String(this.failure)));
        this.waiting.set(streamId, { done, fail });
      },
    );
    this.socket.write(
      Buffer.concat([
        frame(type.headers, flag.endHeaders, streamId, block),
        frame(type.data, flag.endStream, streamId, grpcMessage(message)),
      ]),
    );
    return answered;
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    for (const { type: frameType, flags, streamId, payload } of this.splitter.push(chunk)) {
      if (frameType === type.settings && (flags & flag.ack) !== 0) {
        // Our SETTINGS now bind etcd's encoder (RFC 9113 Section 6.5.3).
        if (this.headerTableSize !== undefined)
          this.decoder.setTableSizeLimit(this.headerTableSize);
      } else if (frameType === type.settings) {
        for (let at = 0; at + 6 <= payload.length; at += 6) {
          if (payload.readUInt16BE(at) === 0x1)
            this.encoder.setPeerTableSize(payload.readUInt32BE(at + 2));
        }
        this.socket.write(frame(type.settings, flag.ack, 0, Buffer.alloc(0)));
      } else if (frameType === type.ping && (flags & flag.ack) === 0) {
        this.socket.write(frame(type.ping, flag.ack, 0, Buffer.from(payload)));
      } else if (frameType === type.data) {
        const answer = this.answers.get(streamId);
        if (answer !== undefined) answer.data += payload.length;
      } else if (frameType === type.headers || frameType === type.continuation) {
        // END_STREAM rides on the HEADERS frame, even when CONTINUATIONs follow.
        const complete = this.blocks.add({ type: frameType, flags, streamId, payload });
        if (complete !== undefined) this.onBlock(complete.streamId, complete.block);
      }
    }
  }

  private onBlock(streamId: number, block: Buffer): void {
    this.blockOctets.push(block.length);
    if (((block[0] ?? 0) & 0xe0) === 0x20) this.sizeUpdates += 1;
    let fields: DecodedField[];
    try {
      fields = this.decoder.decodeList(block);
    } catch (error) {
      this.failure = error;
      this.socket.destroy();
      return;
    }
    const answer = this.answers.get(streamId);
    if (answer === undefined) return;
    if (answer.headers === undefined && fields.some(({ name }) => name === ':status')) {
      answer.headers = fields;
      // A trailers-only answer (an error before any data) carries grpc-status in the headers.
      if (!fields.some(({ name }) => name === 'grpc-status')) return;
    }
    answer.trailers = fields;
    this.waiting.get(streamId)?.done({
      headers: answer.headers ?? [],
      trailers: fields,
      data: answer.data,
    });
    this.waiting.delete(streamId);
  }
}

const field = (fields: DecodedField[], name: string): string | undefined =>
  fields.find((one) => one.name === name)?.value;

const skip = etcdUnavailable();

describe('HPACK against etcd 3.4 (Go hpack in grpc-go)', { skip }, () => {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await EtcdProcess.start();
  });
  after(async () => {
    await etcd?.destroy();
  });

  async function exercise(client: RawClient): Promise<void> {
    for (let n = 0; n < 12; n++) {
      const metadata: HeaderField[] = [
        { name: 'x-request-id', value: `req-${n}`, indexing: 'without' },
        { name: 'x-trace-bin', value: Buffer.from([n, 0, 255]).toString('base64') },
        { name: 'x-secret', value: 'hush', indexing: 'never' },
      ];
      const key = `hpack-${n % 4}`;
      const put = await client.call(
        '/etcdserverpb.KV/Put',
        Buffer.concat([bytesField(1, key), bytesField(2, `value ${n} ${'v'.repeat(n * 10)}`)]),
        metadata,
      );
      assert.equal(field(put.headers, ':status'), '200', `put ${n}`);
      assert.equal(field(put.headers, 'content-type'), 'application/grpc');
      assert.equal(
        field(put.trailers, 'grpc-status'),
        '0',
        `put ${n}: ${field(put.trailers, 'grpc-message')}`,
      );
      assert.ok(put.data > 5, 'a PutResponse came back');
      const range = await client.call('/etcdserverpb.KV/Range', bytesField(1, key), metadata);
      assert.equal(field(range.trailers, 'grpc-status'), '0');
      assert.ok(range.data > 5 + n * 10, `range ${n} returned the value (${range.data} octets)`);
    }
    // A refusal: a Put with no key. grpc-go sends the status and message in trailers.
    const refused = await client.call('/etcdserverpb.KV/Put', bytesField(2, 'no key'));
    assert.equal(field(refused.trailers, 'grpc-status'), '3');
    assert.equal(field(refused.trailers, 'grpc-message'), 'etcdserver: key is not provided');
  }

  it(
    'default tables: 25 calls on one connection, both tables in use',
    { timeout: 60_000 },
    async () => {
      const client = await RawClient.connect(etcd.endpoint);
      try {
        await exercise(client);
        // Go's encoder indexed etcd's response fields: later blocks are a few octets.
        assert.ok(client.decoder.dynamicTable.length >= 2, 'etcd added to our decoder table');
        const last = client.blockOctets.slice(-4, -1);
        assert.ok(
          last.every((octets) => octets <= 4),
          `late blocks of ${last.join(', ')} octets`,
        );
        assert.ok(client.encoder.dynamicTable.length >= 4, 'our encoder indexed request fields');
      } finally {
        client.close();
      }
    },
  );

  it(
    'a 64-octet table asked of Go: size update, eviction on nearly every field',
    { timeout: 60_000 },
    async () => {
      const client = await RawClient.connect(etcd.endpoint, 64);
      try {
        await exercise(client);
        assert.ok(client.sizeUpdates >= 1, 'Go opened a block with a table size update');
        assert.ok(client.decoder.dynamicTable.size <= 64, 'the table within its 64-octet limit');
        assert.equal(client.decoder.dynamicTable.sizeMax, 64);
      } finally {
        client.close();
      }
    },
  );
});
