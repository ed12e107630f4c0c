/**
 * One bidirectional gRPC stream (Lease.LeaseKeepAlive) served straight on its HTTP/2 stream
 * (./fast-path.ts decides which), as the part of grpc-js 1.14's ServerDuplexStream its
 * handler uses, with grpc-js's wire behaviour detail for detail:
 *
 * - Requests: 5-byte length-prefixed messages, any number per DATA frame, split across frames
 *   too. A length past `grpc.max_receive_message_length` fails RESOURCE_EXHAUSTED "Received
 *   message larger than max (N vs M)"; bytes protobuf cannot decode fail INTERNAL "Error
 *   deserializing request". Each decoded request is a 'data' event; the client's half-close
 *   is 'end', after every request. pause()/resume()/isPaused() hold requests back (and the
 *   HTTP/2 stream, so flow control holds the client back); so does having no 'data' listener
 *   yet (require-leader.ts starts the handler's work after an async leader check), as a
 *   Readable buffers until it flows.
 * - Answers: write(message) sends the response headers {:status 200, content-type
 *   application/grpc+proto, grpc-accept-encoding identity,deflate,gzip, grpc-encoding
 *   identity} before the first message, then each message length-prefixed; it returns false
 *   when the HTTP/2 stream's buffer is full, and 'drain' follows. end() sends the trailers
 *   {grpc-status 0, grpc-message OK} after the messages; emit('error', status) (a grpc-js
 *   StatusObject or Error, made into a status as grpc-js's serverErrorToStatus does) sends
 *   that status instead. With no message sent, a status is a trailers-only response.
 * - `cancelled` and the 'cancelled' event: after any status (as grpc-js notifies its listener
 *   once the status is out), or when the client resets the stream or goes away first (then the
 *   metrics count CANCELLED). `grpc-timeout`: DEADLINE_EXCEEDED "Deadline exceeded".
 * - metadata (as grpc-js builds it, on first use), getAuthContext(), getPeer(), getPath(),
 *   getDeadline().
 *
 * The handler runs with no caller context (auth/guard.ts runs grpc-js's streams in one): only
 * handlers marked with `servedWithoutCaller` are served here, ones that make no member call
 * authorizingApi checks or attributes (etcd checks no permission on a lease keep-alive).
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { status as grpcStatus, type Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  authContextOf,
  peerOf,
  errorStatus,
  requestHeaderValues,
  requestMetadata,
  timeoutUnitMs,
  type FastCallContext,
  type StatusLike,
} from './fast-path-call.js';
import type { CallObservation } from './fast-path-observer.js';
import { frameMessage, MessageReader } from './grpc-messages.js';

/** A bidi stream handler as grpc-js calls it. */
export type StreamHandler = (call: ServerDuplexStream<unknown, unknown>) => void;

/** A bidi stream method the fast path serves. */
export interface FastStreamMethod {
  readonly path: string;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly serialize: (value: unknown) => Buffer;
  readonly handler: StreamHandler;
}

const marker = Symbol('served without a caller context');

/**
 * Marks a bidi stream handler the fast path may serve: it reads nothing of the guard's caller
 * context (see the file comment), and uses only what FastStream implements.
 */
export function servedWithoutCaller<H extends (call: never) => void>(handler: H): H {
  return Object.assign(handler, { [marker]: true });
}

export function isServedWithoutCaller(handler: object): boolean {
  return (handler as { [marker]?: boolean })[marker] === true;
}

const noop = (): void => undefined;

export class FastStream extends EventEmitter {
  /** grpc-js's call.cancelled: set once the stream is done (see the file comment). */
  cancelled = false;
  private headersSent = false;
  /** A status went out, or the stream closed first: nothing more is sent or delivered. */
  private ended = false;
  private cancelNotified = false;
  private paused = false;
  /** Decoded requests not yet delivered (paused, or no 'data' listener yet). */
  private readonly inbox: unknown[] = [];
  /** The client half-closed; 'end' follows the requests in the inbox. */
  private halfClosed = false;
  private endDelivered = false;
  private flushScheduled = false;
  private drainAwaited = false;
  /** Request bytes not yet part of a whole message, and how many make the next step. */
  private readonly reader: MessageReader;
  private parsedMetadata: Metadata | undefined = undefined;
  private deadlineTimer: NodeJS.Timeout | undefined = undefined;
  private deadline = Infinity;
  private readonly observations: CallObservation[];

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly method: FastStreamMethod,
    context: FastCallContext,
    timeout: RegExpExecArray | undefined,
  ) {
    super();
    this.reader = new MessageReader(this, context.receiveBytesMax);
    this.observations = context.observers.map((observer) =>
      observer.start(method.path, 'bidi_stream'),
    );
    // `on`, not `once`: each is emitted once, and both handlers would ignore a repeat.
    // (A keep-alive stream lives for one message: what each stream costs counts in full.)
    stream.on('error', noop); // always followed by 'close', which is what counts
    stream.on('close', () => this.onClose());
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.onEnd());
    if (timeout !== undefined) {
      const ms = (Number(timeout[1]) * timeoutUnitMs[timeout[2]!]!) | 0;
      this.deadline = Date.now() + ms;
      this.deadlineTimer = setTimeout(() => this.onDeadline(), ms);
    }
    try {
      method.handler(this as unknown as ServerDuplexStream<unknown, unknown>);
    } catch {
      this.sendStatus({ code: grpcStatus.UNKNOWN, details: 'Unknown error' });
    }
  }

  /** As grpc-js's ServerDuplexStream: an 'error' emitted by the handler ends the call with it. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      this.sendStatus(errorStatus(args[0] as Parameters<typeof errorStatus>[0]));
      // As with grpc-js's own listener: an 'error' nobody else listens to does not throw.
      if (this.listenerCount('error') === 0) return false;
    }
    return super.emit(event, ...args);
  }

  /**
   * A listener added later may be the first 'data' one: requests held for it flow then.
   * (Here rather than in a 'newListener' listener, which every addListener would emit.)
   */
  override addListener(event: string | symbol, listener: (...args: never[]) => void): this {
    if (event === 'data') this.scheduleFlush();
    return super.addListener(event, listener as (...args: unknown[]) => void);
  }

  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return this.addListener(event, listener);
  }

  get metadata(): Metadata {
    this.parsedMetadata ??= requestMetadata(this.headers);
    return this.parsedMetadata;
  }

  /** As `metadata.get(key)`, without building the Metadata (../request-identity.ts). */
  headerValues(key: string): readonly (string | Buffer)[] {
    return this.parsedMetadata?.get(key) ?? requestHeaderValues(this.headers, key);
  }

  getAuthContext(): ReturnType<typeof authContextOf> {
    return authContextOf(this.stream);
  }

  getPath(): string {
    return this.method.path;
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPeer(): string {
    return peerOf(this.stream);
  }

  pause(): this {
    this.paused = true;
    if (!this.ended) this.stream.pause();
    return this;
  }

  resume(): this {
    this.paused = false;
    this.flush();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Sends one answer; false when the HTTP/2 stream's buffer is full ('drain' follows). */
  write(message: unknown): boolean {
    // grpc-js drops what is written once the call is done.
    if (this.ended || this.stream.destroyed || this.stream.closed) return true;
    let frame: Buffer;
    try {
      frame = frameMessage(this.method.serialize(message));
    } catch {
      this.sendStatus({ code: grpcStatus.INTERNAL, details: 'Error serializing response' });
      return true;
    }
    if (!this.headersSent) {
      this.headersSent = true;
      // A fresh object each time: Node's respond() may add to the one it is given.
      this.stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc+proto',
          'grpc-accept-encoding': 'identity,deflate,gzip',
          'grpc-encoding': 'identity',
        },
        { waitForTrailers: true },
      );
    }
    if (this.stream.write(frame)) return true;
    if (!this.drainAwaited) {
      this.drainAwaited = true;
      this.stream.once('drain', () => {
        this.drainAwaited = false;
        this.emit('drain');
      });
    }
    return false;
  }

  /** Ends the call with OK after what was written (grpc-js's Duplex end() and _final). */
  end(): this {
    if (this.ended) return this;
    this.sendStatus({ code: grpcStatus.OK, details: 'OK' });
    process.nextTick(() => this.emit('finish'));
    return this;
  }

  private onData(chunk: Buffer): void {
    if (!this.ended) this.reader.push(chunk);
  }

  /** For the MessageReader only. */
  onRequestTooLarge(status: { code: number; details: string }): void {
    this.sendStatus(status);
  }

  /** For the MessageReader only; false when the stream failed (or ended) on it. */
  onRequestMessage(message: Buffer): boolean {
    let request: unknown;
    try {
      request = this.method.deserialize(message);
    } catch {
      this.sendStatus({ code: grpcStatus.INTERNAL, details: 'Error deserializing request' });
      return false;
    }
    this.deliver(request);
    return !this.ended;
  }

  private deliver(request: unknown): void {
    if (this.inbox.length === 0 && !this.paused && this.listenerCount('data') > 0) {
      this.emit('data', request);
      return;
    }
    this.inbox.push(request);
    this.stream.pause();
  }

  private onEnd(): void {
    if (this.ended) return;
    this.halfClosed = true;
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // As a Readable starts flowing: on the next tick, after the listener is in place.
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Delivers held requests (and then the half-close) while the handler takes them. */
  private flush(): void {
    while (!this.ended && !this.paused && this.listenerCount('data') > 0) {
      if (this.inbox.length === 0) {
        if (this.halfClosed && !this.endDelivered) {
          this.endDelivered = true;
          this.emit('end');
        } else if (!this.halfClosed) {
          this.stream.resume();
        }
        return;
      }
      this.emit('data', this.inbox.shift());
    }
  }

  /** A status, once: trailers after the messages, or a trailers-only response. */
  private sendStatus(status: StatusLike): void {
    if (this.ended || this.stream.destroyed || this.stream.closed) return;
    this.ended = true;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    for (const observation of this.observations) observation.finish(status.code);
    const stream = this.stream;
    const custom = status.metadata?.toHttp2Headers();
    if (this.headersSent) {
      stream.once('wantTrailers', () => {
        stream.sendTrailers({
          'grpc-status': status.code,
          'grpc-message': encodeURI(status.details),
          ...custom,
        });
        this.notifyCancel();
      });
      stream.end();
      return;
    }
    stream.respond(
      {
        'grpc-status': status.code,
        'grpc-message': encodeURI(status.details),
        ':status': 200,
        'content-type': 'application/grpc+proto',
        ...custom,
      },
      { endStream: true },
    );
    this.notifyCancel();
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    this.sendStatus({ code: grpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' });
  }

  private onClose(): void {
    if (!this.ended) {
      // The client reset the stream or went away before any status: CANCELLED, as grpc-js.
      this.ended = true;
      if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
      for (const observation of this.observations) observation.finish(grpcStatus.CANCELLED);
    }
    this.notifyCancel();
  }

  /** As grpc-js: once the call is done its handler is told 'cancelled', on the next tick. */
  private notifyCancel(): void {
    if (this.cancelNotified) return;
    this.cancelNotified = true;
    this.inbox.length = 0;
    this.stream.resume(); // what the client still sends is read and dropped
    process.nextTick(() => {
      this.cancelled = true;
      this.emit('cancelled', 'cancelled');
    });
  }
}
