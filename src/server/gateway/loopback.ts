/**
 * The gateway's way into the gRPC server: an HTTP/2 session over an in-memory pipe whose other
 * end is handed to the gRPC server as if a client had connected (etcd's gateway dials its own
 * gRPC port; Concord skips the socket and TLS). Every gateway request is therefore a real gRPC
 * call: the server's decoder and receive limit, interceptors (metrics, auth), handlers and
 * error statuses all apply unchanged.
 *
 * gRPC over HTTP/2, the little the gateway needs: POST to /package.Service/Method with
 * `content-type: application/grpc`; each message is framed as 1 byte "compressed" (0), 4 bytes
 * big-endian length, the protobuf bytes; the status comes in `grpc-status` / `grpc-message`
 * trailers (or in the headers of a trailers-only answer).
 */
import type { Duplex } from 'node:stream';
import { duplexPair } from 'node:stream';
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { status as grpcStatus } from '@grpc/grpc-js';

/** A gRPC status as the gateway reports it. */
export interface CallStatus {
  readonly code: number;
  readonly details: string;
}

export interface LoopbackCallHandlers {
  /** One response message (protobuf bytes). */
  message(bytes: Buffer): void;
  /** The call ended; code 0 is OK. Called once. */
  end(status: CallStatus): void;
}

/** An open call: write request messages, then end (half-close) or cancel. */
export interface LoopbackCall {
  /** False when the HTTP/2 stream's buffer is full; wait for `onDrain`. */
  write(bytes: Buffer): boolean;
  onDrain(listener: () => void): void;
  end(): void;
  cancel(): void;
  /** Stops (or resumes) reading responses, so a slow HTTP client holds the server back. */
  pauseResponses(paused: boolean): void;
}

export class LoopbackChannel {
  private session: ClientHttp2Session | undefined;

  /** `inject` hands the server's end of a new pipe to the gRPC server. */
  constructor(private readonly inject: (connection: Duplex) => void) {}

  open(
    path: string,
    metadata: ReadonlyMap<string, readonly string[]>,
    handlers: LoopbackCallHandlers,
  ): LoopbackCall {
    const headers: Record<string, string | string[]> = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    for (const [name, values] of metadata) headers[name] = [...values];
    const stream = this.connected().request(headers);
    return new LoopbackStream(stream, handlers);
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private connected(): ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) {
      return this.session;
    }
    const [client, server] = duplexPair();
    this.inject(server);
    const session = connect('http://localhost', { createConnection: () => client });
    // Errors reach each call through its stream; the session itself is simply replaced.
    session.on('error', () => undefined);
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }
}

class LoopbackStream implements LoopbackCall {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  private statusHeaders: IncomingHttpHeaders | undefined;

  constructor(
    private readonly stream: ClientHttp2Stream,
    private readonly handlers: LoopbackCallHandlers,
  ) {
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) this.statusHeaders = headers;
    });
    stream.on('trailers', (trailers) => {
      this.statusHeaders = trailers;
    });
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('end', () => this.finish(statusOf(this.statusHeaders)));
    stream.on('close', () =>
      this.finish(
        this.statusHeaders !== undefined
          ? statusOf(this.statusHeaders)
          : { code: grpcStatus.UNAVAILABLE, details: 'concord: gateway call closed' },
      ),
    );
    stream.on('error', (error: Error) =>
      this.finish({ code: grpcStatus.UNAVAILABLE, details: error.message }),
    );
  }

  write(bytes: Buffer): boolean {
    if (this.ended || this.stream.closed) return true;
    const frame = Buffer.alloc(5 + bytes.length);
    frame.writeUInt8(0, 0);
    frame.writeUInt32BE(bytes.length, 1);
    bytes.copy(frame, 5);
    return this.stream.write(frame);
  }

  onDrain(listener: () => void): void {
    this.stream.once('drain', listener);
  }

  end(): void {
    if (!this.stream.closed) this.stream.end();
  }

  cancel(): void {
    this.ended = true;
    if (!this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  pauseResponses(paused: boolean): void {
    if (paused) this.stream.pause();
    else this.stream.resume();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + length) break;
      const message = this.pending.subarray(5, 5 + length);
      this.pending = this.pending.subarray(5 + length);
      if (!this.ended) this.handlers.message(message);
    }
  }

  private finish(status: CallStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.end(status);
  }
}

function statusOf(headers: IncomingHttpHeaders | undefined): CallStatus {
  const code = Number(headers?.['grpc-status'] ?? grpcStatus.UNKNOWN);
  const raw = headers?.['grpc-message'];
  const message = typeof raw === 'string' ? raw : '';
  let details = message;
  try {
    details = decodeURIComponent(message);
  } catch {
    // Not percent-encoded after all: keep it as sent.
  }
  return { code, details };
}

/**
 * gRPC metadata from HTTP headers, as grpc-gateway forwards them: `Grpc-Metadata-<name>`
 * becomes `<name>`, and `Authorization` goes through as `authorization`. etcd's auth reads a
 * token from `token` or `authorization`; a `token` header is passed on as well, and when only
 * `authorization` is given it is also sent as `token` (the seam for Concord's auth).
 */
export function metadataFrom(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Map<string, string[]> {
  const metadata = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    let key: string | undefined;
    if (name.startsWith('grpc-metadata-')) key = name.slice('grpc-metadata-'.length);
    else if (name === 'authorization' || name === 'token') key = name;
    if (key === undefined || !/^[a-z0-9._-]+$/.test(key) || key.endsWith('-bin')) continue;
    if (key.startsWith('grpc-') || key === 'te' || key === 'content-type') continue;
    metadata.set(key, [...(metadata.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  const authorization = metadata.get('authorization');
  if (!metadata.has('token') && authorization !== undefined) metadata.set('token', authorization);
  return metadata;
}
