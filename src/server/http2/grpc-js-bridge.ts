/**
 * The way to grpc-js for the calls Concord's own HTTP/2 layer (../h2) does not serve itself:
 * every service but the fast path's (./fast-path.ts), and the fast path's unusual calls. A
 * connection on that layer opens, on its first such call, one in-memory HTTP/2 connection
 * into grpc-js's connection injector (as the JSON gateway does), and each call becomes a
 * stream on it: request headers and DATA forwarded, response headers, DATA and trailers
 * (or a trailers-only response) answered back, a reset either way passed on.
 *
 * Flow control is end to end: a response that outruns the client pauses the inner stream
 * until the outer one drains, and a request that outruns grpc-js pauses the outer stream.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import { duplexPair, type Duplex } from 'node:stream';
import { ErrorCode } from '../h2/errors.js';
import type { H2Stream } from '../h2/stream.js';
import type { RequestHeaders } from '../h2/stream-headers.js';
import { fieldsOf } from './h2-call-stream.js';

/** Request fields not forwarded: the inner connection has its own. */
const hopByHop = new Set(['te', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export class GrpcJsBridge {
  private session: ClientHttp2Session | undefined;
  /** Calls open on the inner connection, and whether close() waits for them to end. */
  private calls = 0;
  private closing = false;

  constructor(private readonly inject: (connection: Duplex) => void) {}

  /** Serves `stream` through grpc-js. */
  forward(stream: H2Stream, headers: RequestHeaders): void {
    const session = this.open();
    const request = session.request(requestHeaders(headers));
    this.calls++;
    request.on('error', () => undefined); // 'close' follows, with its code
    let responded = false;
    let trailersSent = false;
    stream.onData = (bytes, endStream) => {
      if (bytes.length > 0 && !request.write(Buffer.from(bytes))) {
        stream.pause();
        request.once('drain', () => stream.resume());
      }
      if (endStream) request.end();
    };
    stream.onClose = () => {
      if (!request.closed) request.close(http2.constants.NGHTTP2_CANCEL);
    };
    stream.onWritable = () => request.resume();
    // node:http2 emits 'response' on the next tick, after the DATA read with it: what comes
    // first waits for the response headers.
    let early: Buffer[] | undefined = [];
    request.on('response', (responseHeaders, flags) => {
      responded = true;
      const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      stream.respond(fieldsOf(responseHeaders), endStream);
      if (endStream) {
        trailersSent = true;
        if (!request.closed) request.close(http2.constants.NGHTTP2_NO_ERROR);
      }
      const waiting = early!;
      early = undefined;
      for (const chunk of waiting) if (!stream.write(chunk)) request.pause();
    });
    request.on('data', (chunk: Buffer) => {
      if (early !== undefined) early.push(chunk);
      else if (!stream.write(chunk)) request.pause();
    });
    request.on('trailers', (trailers) => {
      trailersSent = true;
      stream.end(fieldsOf(trailers));
      // The call is over: a client that has not ended its side (a bidi stream) is done too,
      // and a half-open inner stream would hold the inner connection's close.
      if (!request.closed) request.close(http2.constants.NGHTTP2_NO_ERROR);
    });
    request.on('close', () => {
      this.calls--;
      // node:http2 leaves a closed client session undestroyed once its last stream is gone.
      if (this.closing && this.calls === 0) session.destroy();
      if (trailersSent) return;
      // grpc-js reset the stream, or the inner connection went, before a status.
      stream.reset(responded ? ErrorCode.INTERNAL_ERROR : ErrorCode.REFUSED_STREAM);
    });
  }

  /** Closes the inner connection once its calls are done. */
  close(): void {
    this.closing = true;
    if (this.calls === 0) this.session?.destroy();
    else this.session?.close();
    this.session = undefined;
  }

  private open(): ClientHttp2Session {
    this.closing = false;
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) {
      return this.session;
    }
    // As the JSON gateway's loopback channel (../gateway/loopback.ts) does.
    const [outer, inner] = duplexPair();
    this.inject(inner);
    const session = http2.connect('http://concord.internal', { createConnection: () => outer });
    session.on('error', () => undefined); // its streams see 'close'
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }
}

function requestHeaders(headers: RequestHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {
    ':method': headers.method,
    ':path': headers.path,
  };
  const fields = headers.fields;
  for (let at = 0; at < fields.length; at += 2) {
    const name = fields[at]!;
    if (hopByHop.has(name)) continue;
    const value = fields[at + 1]!;
    const previous = out[name];
    if (previous === undefined) out[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[name] = [String(previous), value];
  }
  return out;
}
