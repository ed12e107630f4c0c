/**
 * Test harness for the H2Connection layer: a real loopback server (net.createServer, each
 * accepted socket handed to an H2Connection), an echo consumer in gRPC's shape, and a raw
 * client socket that sends hand-built frames and parses the server's frames back.
 */
import net from 'node:net';
import { clientPreface } from '../../../src/server/h2/frame.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import { H2Connection, type H2ConnectionOptions } from '../../../src/server/h2/connection.js';
import { HpackEncoder, type HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import type { H2Stream } from '../../../src/server/h2/stream.js';
import type { RequestHeaders } from '../../../src/server/h2/stream-headers.js';
import { waitFor } from '../../helpers/wait.js';
import { type RawFrame, RawFrameSplitter } from './raw-frames.js';

export type Consumer = (stream: H2Stream, headers: RequestHeaders) => void;

export interface TestServer {
  readonly port: number;
  readonly connections: H2Connection[];
  readonly sockets: net.Socket[];
  stop(): Promise<void>;
}

export async function startServer(
  consumer: Consumer,
  options: H2ConnectionOptions = {},
  onSocket?: (socket: net.Socket) => void,
): Promise<TestServer> {
  const connections: H2Connection[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onSocket?.(socket);
    connections.push(new H2Connection(socket, consumer, options));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    sockets,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const okHeaders: readonly HeaderField[] = [
  { name: ':status', value: '200' },
  { name: 'content-type', value: 'application/grpc' },
];
export const okTrailers: readonly HeaderField[] = [{ name: 'grpc-status', value: '0' }];

/** What the echo consumer saw: closes by stream id, for the reset tests. */
export interface EchoLog {
  readonly closes: Map<number, number>;
  readonly paths: string[];
  /** The streams of /pause/ requests, by path, for the test to resume. */
  readonly paused: Map<string, H2Stream>;
  /** How often a producer was told to write again after `write` returned false. */
  writableCalls: number;
  /** The last request's headers. */
  last?: RequestHeaders;
}

/**
 * Answers each request once its body is complete: 200 + application/grpc, the body as DATA,
 * trailers grpc-status 0. Paths starting with /hold/ get headers and the body at once but no
 * trailers until `release` is called (for reset and shutdown tests). Paths starting with
 * /early/ are answered and ended at once, before the request ends. /produce/N answer N octets written under backpressure. Paths starting with
 * /pause/ are paused at once: their DATA is held, and no window is given back.
 */
export function echoConsumer(log: EchoLog, held?: Set<() => void>): Consumer {
  return (stream, headers) => {
    log.paths.push(headers.path);
    log.last = headers;
    const chunks: Buffer[] = [];
    stream.onClose = (code) => log.closes.set(stream.id, code);
    if (headers.path.startsWith('/pause/')) {
      stream.pause(); // a consumer that takes nothing until resumed
      log.paused.set(headers.path, stream);
    }
    if (headers.path.startsWith('/early/')) {
      // Answers before the request ends (as a gRPC server rejecting a call at once does).
      stream.respond(okHeaders);
      stream.end(okTrailers);
      return;
    }
    if (headers.path.startsWith('/produce/'))
      return produce(stream, Number(headers.path.slice(9)), log);
    stream.onData = (bytes, endStream) => {
      if (bytes.length > 0) chunks.push(Buffer.from(bytes)); // views die with the callback
      if (!endStream) return;
      stream.respond(okHeaders);
      stream.write(Buffer.concat(chunks));
      if (headers.path.startsWith('/hold/') && held !== undefined) {
        held.add(() => stream.end(okTrailers));
      } else {
        stream.end(okTrailers);
      }
    };
  };
}

/**
 * Answers with `total` octets written in 64 KiB chunks, honouring `write`'s false and waiting
 * for `onWritable`, as a streaming producer must; byte i is i mod 251.
 */
function produce(stream: H2Stream, total: number, log: EchoLog): void {
  const chunk = 64 * 1024;
  let sent = 0;
  stream.respond(okHeaders);
  const more = (): void => {
    while (sent < total) {
      const n = Math.min(chunk, total - sent);
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (sent + i) % 251;
      sent += n;
      if (!stream.write(data)) return; // resumed by onWritable
    }
    stream.end(okTrailers);
  };
  stream.onWritable = () => {
    log.writableCalls++;
    more();
  };
  stream.onData = (_bytes, endStream) => {
    if (endStream) more();
  };
}

export function newLog(): EchoLog {
  return { closes: new Map(), paths: [], paused: new Map(), writableCalls: 0 };
}

/** One frame as the server sent it. */
export type Frame = RawFrame;

/** A raw client socket: writes bytes, collects and parses the server's frames. */
export class RawClient {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly splitter = new RawFrameSplitter();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.splitter.push(chunk));
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await waitFor('raw client connect', (done, fail) => {
      socket.once('connect', () => done(undefined));
      socket.once('error', fail);
    });
    return new RawClient(socket);
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first frame matching `match` (already received or to come). */
  frame(what: string, match: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(
      what,
      (done, fail) => {
        const check = (): boolean => {
          const found = this.frames.find(match);
          if (found !== undefined) done(found);
          else if (this.closed) fail(new Error(`socket closed before ${what}`));
          else return false;
          return true;
        };
        if (check()) return;
        const waiter = (): void => {
          if (!check()) this.waiters.push(waiter);
        };
        this.waiters.push(waiter);
      },
      timeoutMs,
    );
  }

  /** The error code of the server's GOAWAY. */
  async goawayCode(): Promise<number> {
    const goaway = await this.frame('GOAWAY', (f) => f.type === 0x7);
    return goaway.payload.readUInt32BE(4);
  }

  /** Resolves once the server closed the connection. */
  closedBy(): Promise<void> {
    return waitFor('the server to close the socket', (done) => {
      if (this.closed) return done(undefined);
      this.socket.once('close', () => done(undefined));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** A gRPC-shaped request's header fields, for raw clients. */
export const requestFields: readonly HeaderField[] = [
  { name: ':method', value: 'POST' },
  { name: ':scheme', value: 'http' },
  { name: ':path', value: '/raw' },
  { name: ':authority', value: 'localhost' },
  { name: 'content-type', value: 'application/grpc' },
];

/** `requestFields` with another :path (the echo consumer acts on the path). */
export function withPath(path: string): HeaderField[] {
  return requestFields.map((f) => (f.name === ':path' ? { ...f, value: path } : f));
}

/**
 * Builds a raw client's bytes: the preface and an empty SETTINGS (and its ACK of the server's,
 * sent early and unread, so no SETTINGS_TIMEOUT mid-test) unless told otherwise; then HEADERS
 * from one HPACK encoder, so its dynamic table follows the connection's.
 */
export class RequestFrames {
  readonly writer = new FrameWriter();
  readonly encoder = new HpackEncoder();

  constructor(preface = true) {
    if (!preface) return;
    this.writer.writeSettings([]);
    this.writer.writeSettingsAck();
  }

  headers(streamId: number, fields = requestFields, endStream = false): this {
    this.writer.writeHeaders(streamId, this.encoder.encode(fields), endStream);
    return this;
  }

  /** What was written since the last call, behind the client preface unless `preface` is false. */
  bytes(preface = true): Buffer {
    const frames = Buffer.from(this.writer.take());
    return preface ? Buffer.concat([clientPreface, frames]) : frames;
  }
}
