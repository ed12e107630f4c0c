/**
 * An H2Stream (../h2/stream.ts: Concord's own HTTP/2 layer) as the part of node:http2's
 * ServerHttp2Stream that FastCall and FastStream use, so the fast path's calls, which the
 * differential tests hold to grpc-js's exact behaviour, run unchanged on either layer.
 *
 * What they use: respond(headers, {waitForTrailers | endStream}), write, end(data?) followed
 * by 'wantTrailers' and sendTrailers, 'data'/'end'/'close'/'drain' events, pause/resume,
 * destroyed/closed, and session.socket (the peer's address, the TLS certificate).
 *
 * Request bytes are copied out of the connection's read buffer: H2Stream hands views that
 * live only during the callback, and a gRPC message may span chunks.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { HeaderField } from '../h2/hpack-encoder.js';
import type { H2Stream } from '../h2/stream.js';
import type { RequestHeaders } from '../h2/stream-headers.js';

type HeaderMap = Readonly<Record<string, unknown>>;

export class H2CallStream extends EventEmitter {
  destroyed = false;
  closed = false;
  readonly session: { readonly socket: Socket };
  private waitForTrailers = false;

  constructor(
    private readonly h2: H2Stream,
    socket: Socket,
  ) {
    super();
    this.session = { socket };
    h2.onData = (bytes, endStream) => {
      if (bytes.length > 0) this.emit('data', Buffer.from(bytes));
      if (endStream) this.emit('end');
    };
    h2.onWritable = () => this.emit('drain');
    h2.onClose = () => this.finish();
  }

  respond(headers: HeaderMap, options: { waitForTrailers?: boolean; endStream?: boolean }): void {
    this.waitForTrailers = options.waitForTrailers === true;
    const endStream = options.endStream === true;
    this.h2.respond(fieldsOf(headers), endStream);
    if (endStream) this.closed = true;
  }

  write(data: Uint8Array): boolean {
    return this.h2.write(data);
  }

  end(data?: Uint8Array): void {
    if (data !== undefined && data.length > 0) this.h2.write(data);
    // node:http2 asks for the trailers once the data is out; here they follow in the same
    // write, which is the point of the layer.
    if (this.waitForTrailers) this.emit('wantTrailers');
  }

  sendTrailers(trailers: HeaderMap): void {
    this.closed = true;
    this.h2.end(fieldsOf(trailers));
  }

  pause(): this {
    this.h2.pause();
    return this;
  }

  resume(): this {
    this.h2.resume();
    return this;
  }

  private finish(): void {
    if (this.destroyed) return;
    this.closed = true;
    this.destroyed = true;
    this.emit('close');
  }
}

/** node:http2's header object for a request (what FastCall and FastStream read). */
export function incomingHeaders(headers: RequestHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {
    ':method': headers.method,
    ':scheme': headers.scheme,
    ':path': headers.path,
  };
  if (headers.authority !== '') out[':authority'] = headers.authority;
  const fields = headers.fields;
  for (let at = 0; at < fields.length; at += 2) {
    const name = fields[at]!;
    const value = fields[at + 1]!;
    const previous = out[name];
    if (previous === undefined) out[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[name] = [previous, value];
  }
  return out;
}

/** A header object (node:http2's shape) as HPACK fields, :status first. */
export function fieldsOf(headers: HeaderMap): HeaderField[] {
  const fields: HeaderField[] = [];
  const status = headers[':status'];
  if (status !== undefined) fields.push({ name: ':status', value: String(status) });
  for (const name in headers) {
    if (name === ':status') continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) fields.push({ name, value: String(each) });
    else fields.push({ name, value: String(value) });
  }
  return fields;
}
