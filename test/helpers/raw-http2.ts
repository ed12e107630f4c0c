/**
 * gRPC by hand over node:http2, for what no gRPC library sends: malformed messages, and
 * clients whose TCP connection just vanishes mid-stream. Includes a minimal protobuf writer
 * for the few request messages these tests need.
 */
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import { waitFor } from './wait.js';

/** A field tag + varint value. */
export function varintField(field: number, value: bigint | number): Buffer {
  return Buffer.concat([varint((field << 3) | 0), varint(BigInt(value))]);
}

/** A field tag + length-delimited bytes (bytes, strings, embedded messages). */
export function bytesField(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

function varint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** One gRPC length-prefixed message frame (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** An HTTP/2 connection over a TCP socket the test owns, so it can cut it at will. */
export class RawConnection {
  readonly session: ClientHttp2Session;
  readonly socket: Socket;

  constructor(endpoint: string) {
    const [host, port] = endpoint.split(':') as [string, string];
    this.socket = tcpConnect({ host, port: Number(port) });
    this.session = connect(`http://${endpoint}`, { createConnection: () => this.socket });
    this.session.on('error', () => undefined); // a cut connection errors; that is the point
  }

  /** Opens a gRPC call; `path` is e.g. /etcdserverpb.KV/Put. */
  call(path: string): RawCall {
    return new RawCall(
      this.session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
      }),
    );
  }

  /** Cuts the TCP connection: with an RST when `reset`, else a FIN; no GOAWAY either way. */
  cut(reset: boolean): void {
    if (reset) this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  close(): void {
    this.session.destroy();
    this.socket.destroy();
  }
}

/** One raw gRPC call: messages received, and the grpc-status it ended with. */
export class RawCall {
  private buffered = Buffer.alloc(0);
  readonly messages: Buffer[] = [];
  private readonly messageListeners = new Set<() => void>();
  readonly status: Promise<{ code: string; message: string }>;

  constructor(readonly stream: ClientHttp2Stream) {
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 5) {
        const length = this.buffered.readUInt32BE(1);
        if (this.buffered.length < 5 + length) break;
        this.messages.push(this.buffered.subarray(5, 5 + length));
        this.buffered = this.buffered.subarray(5 + length);
      }
      for (const listener of this.messageListeners) listener();
    });
    this.status = new Promise((resolve) => {
      const done = (headers: Record<string, unknown>): void => {
        if (headers['grpc-status'] !== undefined) {
          resolve({
            code: String(headers['grpc-status']),
            message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
          });
        }
      };
      // In trailers, or in the headers of a trailers-only response.
      stream.on('response', done);
      stream.on('trailers', done);
    });
  }

  write(bytes: Buffer): void {
    this.stream.write(bytes);
  }

  end(bytes?: Buffer): void {
    this.stream.end(bytes);
  }

  /** Waits until `count` messages have arrived. */
  received(count: number, what: string): Promise<Buffer[]> {
    return waitFor<Buffer[]>(what, (done) => {
      const check = (): void => {
        if (this.messages.length >= count) {
          this.messageListeners.delete(check);
          done(this.messages);
        }
      };
      this.messageListeners.add(check);
      check();
    });
  }

  ended(what: string): Promise<{ code: string; message: string }> {
    return waitFor(what, (done) => void this.status.then(done));
  }
}
