/**
 * One unary gRPC call served straight on its HTTP/2 stream (./fast-path.ts decides which),
 * doing what grpc-js 1.14's server does for a unary call, detail for detail, without its
 * per-call machinery (intercepting call chain, Metadata parsed up front, listener objects):
 *
 * - Request: 5-byte length-prefixed messages over any number of DATA frames. A length past
 *   `grpc.max_receive_message_length` fails RESOURCE_EXHAUSTED "Received message larger than
 *   max (N vs M)" as soon as the prefix arrives; a second message fails UNIMPLEMENTED
 *   "Received a second request message for server streaming method P", none at all
 *   "Received no request message for server streaming method P"; bytes protobuf cannot decode
 *   fail INTERNAL "Error deserializing request". Each message is decoded as it arrives; the
 *   handler runs at the end of the request (half-close).
 * - `grpc-timeout`: DEADLINE_EXCEEDED "Deadline exceeded" when it passes, and the call is
 *   cancelled (the handler's signal, unary.ts, fires). A client that resets the stream or
 *   goes away cancels it too.
 * - Answer: headers {:status 200, content-type application/grpc+proto, grpc-accept-encoding
 *   identity,deflate,gzip, grpc-encoding identity}, one DATA message, trailers {grpc-status 0,
 *   grpc-message OK}. An error before any answer is a trailers-only response {grpc-status,
 *   grpc-message percent-encoded with encodeURI, :status 200, content-type}. Nothing is sent
 *   once the stream is closed.
 * - The handler is the service's own grpc-js handler, called as the auth guard calls it: with
 *   the caller (token, else certificate CN) and the part of grpc-js's ServerUnaryCall that
 *   unary.ts reads (request, Metadata as grpc-js builds it, made on first use, `cancelled`
 *   and its 'cancelled' event); its callback's error becomes the status as grpc-js makes it.
 *
 * Compressed requests, odd `grpc-timeout` values and other rarities never get here
 * (fast-path.ts hands them to grpc-js).
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { TLSSocket } from 'node:tls';
import {
  Metadata,
  status as grpcStatus,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type StatusObject,
} from '@grpc/grpc-js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { ExplicitCallerHandler } from '../auth/explicit-caller.js';
import { statusOf, type BugHandler } from '../status.js';
import type { BusyPoll } from './busy-poll.js';
import type { CallObservation, DirectCallObserver } from './fast-path-observer.js';
import { frameMessage, MessageReader } from './grpc-messages.js';

/**
 * A method the fast path serves: the service's own grpc-js handler (one that takes its caller
 * explicitly, as ../services/unary.ts's unaryCall makes them) and the definition's
 * (de)serializers.
 */
export interface FastMethod {
  readonly path: string;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly serialize: (value: unknown) => Buffer;
  readonly handler: ExplicitCallerHandler<unknown, unknown>;
}

export type StatusLike = Pick<StatusObject, 'code' | 'details'> & {
  readonly metadata?: Metadata | null;
};

/** What every fast call of a server shares. */
export interface FastCallContext {
  /** grpc.max_receive_message_length (-1: none). */
  readonly receiveBytesMax: number;
  /** Who the call speaks for, as the auth guard resolves it; throws a ConcordError. */
  readonly resolveCaller: (call: FastCall) => AuthInfo;
  readonly observers: readonly DirectCallObserver[];
  readonly onBug: BugHandler;
  /** Keeps the event loop polling briefly after each answer (./busy-poll.ts). */
  readonly busyPoll?: BusyPoll;
}

/** grpc-js's parse of grpc-timeout (not anchored, as there). */
export const timeoutPattern = /(\d{1,8})\s*([HMSmun])/;
export const timeoutUnitMs: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};
const okTrailers = { 'grpc-status': grpcStatus.OK, 'grpc-message': 'OK' } as const;
const noop = (): void => undefined;

/** The headers grpc-js takes out of the Metadata a handler sees. */
const transportHeaders = new Set([
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'accept-encoding',
  'te',
  'content-type',
]);

type AuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;

/** The Metadata grpc-js gives a handler: every header but the transport ones. */
export function requestMetadata(headers: IncomingHttpHeaders): Metadata {
  // grpc-js parses every header, then removes these; leaving them out first is cheaper.
  const kept: IncomingHttpHeaders = {};
  for (const key of Object.keys(headers)) {
    if (!transportHeaders.has(key)) kept[key] = headers[key];
  }
  return Metadata.fromHttp2Headers(kept);
}

const noValues: readonly string[] = [];
/** grpc-js's rule for a non-binary metadata value (metadata.ts isLegalNonBinaryValue). */
const printable = /^[ -~]*$/;

/**
 * `requestMetadata(headers).get(key)` without building the Metadata, for the few headers a
 * handler reads (../request-identity.ts). As grpc-js's fromHttp2Headers: a value that is not
 * printable ASCII is dropped, and so is the rest of an array from it (its add() throws). A
 * binary (-bin) or transport key is left to the Metadata itself.
 */
export function requestHeaderValues(headers: IncomingHttpHeaders, key: string): readonly string[] {
  if (key.endsWith('-bin') || transportHeaders.has(key)) {
    return requestMetadata(headers).get(key) as string[];
  }
  const value = headers[key];
  if (value === undefined) return noValues;
  if (typeof value === 'string') return printable.test(value) ? [value] : noValues;
  const values: string[] = [];
  for (const each of value) {
    if (!printable.test(each)) break;
    values.push(each);
  }
  return values;
}

/** As grpc-js's call.getAuthContext(): the verified client certificate under a TLS session. */
export function authContextOf(stream: ServerHttp2Stream): AuthContext {
  const socket = stream.session?.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return {};
  const certificate = socket.getPeerCertificate();
  return {
    transportSecurityType: 'ssl',
    ...(certificate.raw !== undefined ? { sslPeerCertificate: certificate } : {}),
  };
}

/** As grpc-js's call.getPeer(): the client's address and port. */
export function peerOf(stream: ServerHttp2Stream): string {
  const socket = stream.session?.socket;
  if (socket?.remoteAddress === undefined) return 'unknown';
  return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
}

/** grpc-js's serverErrorToStatus: what an error a handler gives or emits becomes. */
export function errorStatus(
  error: ServerErrorResponse | Partial<StatusObject>,
): StatusLike & { readonly metadata: Metadata | null } {
  const coded = typeof error.code === 'number' && Number.isInteger(error.code);
  return {
    code: coded ? error.code! : grpcStatus.UNKNOWN,
    details:
      coded && typeof error.details === 'string'
        ? error.details
        : 'message' in error
          ? String(error.message)
          : 'Unknown Error',
    metadata: error.metadata ?? null,
  };
}

/** Implements what unary.ts reads of a grpc-js ServerUnaryCall, and getAuthContext(). */
export class FastCall {
  request: unknown = undefined;
  /** grpc-js's call.cancelled: the deadline passed, or the stream closed before a status. */
  cancelled = false;
  private onCancelled: (() => void) | undefined = undefined;
  private messages = 0;
  private readonly reader: MessageReader;
  /** The handler answered (it is not told of a cancellation after that). */
  private settled = false;
  /** A status went out, or the stream closed first: nothing more is sent. */
  private ended = false;
  private parsedMetadata: Metadata | undefined = undefined;
  private deadlineTimer: NodeJS.Timeout | undefined = undefined;
  private deadline = Infinity;
  private readonly observations: CallObservation[];
  /**
   * grpc-js's sendUnaryData; an error becomes a status as its serverErrorToStatus makes it.
   * Assigned in the constructor: under tsx (esbuild keepNames) a class-field arrow function
   * gets its name defined per instance, which showed in profiles.
   */
  private readonly answer: (
    error: ServerErrorResponse | Partial<StatusObject> | null,
    response?: unknown,
  ) => void;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly method: FastMethod,
    private readonly context: FastCallContext,
    timeout: RegExpExecArray | undefined,
  ) {
    context.busyPoll?.arrived();
    this.observations = context.observers.map((observer) => observer.start(method.path));
    this.reader = new MessageReader(this, context.receiveBytesMax);
    this.answer = (error, response) => {
      this.settled = true;
      if (error === null) {
        this.sendResponse(response);
        return;
      }
      this.sendStatus(errorStatus(error));
    };
    // As grpc-js: an 'error' is always followed by 'close', which is what counts.
    stream.once('error', noop);
    stream.once('close', () => this.onClose());
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.once('end', () => this.onEnd());
    if (timeout !== undefined) {
      const ms = (Number(timeout[1]) * timeoutUnitMs[timeout[2]!]!) | 0;
      this.deadline = Date.now() + ms;
      this.deadlineTimer = setTimeout(() => this.onDeadline(), ms);
    }
  }

  get metadata(): Metadata {
    this.parsedMetadata ??= requestMetadata(this.headers);
    return this.parsedMetadata;
  }

  /** As `metadata.get(key)`, without building the Metadata (../request-identity.ts). */
  headerValues(key: string): readonly (string | Buffer)[] {
    return this.parsedMetadata?.get(key) ?? requestHeaderValues(this.headers, key);
  }

  /** Only 'cancelled' is ever listened for (unary.ts), by one listener. */
  once(_event: 'cancelled', listener: () => void): this {
    const previous = this.onCancelled;
    this.onCancelled =
      previous === undefined
        ? listener
        : () => {
            previous();
            listener();
          };
    return this;
  }

  // Read by no handler today; here so that a handler that starts reading them keeps working.
  getPath(): string {
    return this.method.path;
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPeer(): string {
    return peerOf(this.stream);
  }

  /** As grpc-js's call.getAuthContext(): the verified client certificate under a TLS session. */
  getAuthContext(): AuthContext {
    return authContextOf(this.stream);
  }

  private onData(chunk: Buffer): void {
    if (!this.ended) this.reader.push(chunk);
  }

  /** For the MessageReader only. */
  onRequestTooLarge(status: StatusLike): void {
    this.sendStatus(status);
  }

  /** For the MessageReader only; false when the call failed on it. */
  onRequestMessage(message: Buffer): boolean {
    if (++this.messages > 1) {
      this.sendStatus({
        code: grpcStatus.UNIMPLEMENTED,
        details: `Received a second request message for server streaming method ${this.method.path}`,
      });
      return false;
    }
    try {
      this.request = this.method.deserialize(message);
    } catch {
      this.sendStatus({ code: grpcStatus.INTERNAL, details: 'Error deserializing request' });
      return false;
    }
    return true;
  }

  private onEnd(): void {
    if (this.ended) return;
    if (this.messages === 0) {
      this.sendStatus({
        code: grpcStatus.UNIMPLEMENTED,
        details: `Received no request message for server streaming method ${this.method.path}`,
      });
      return;
    }
    let caller: AuthInfo;
    try {
      caller = this.context.resolveCaller(this);
    } catch (error) {
      this.sendStatus(statusOf(error, this.context.onBug));
      return;
    }
    try {
      this.method.handler(
        this as unknown as ServerUnaryCall<unknown, unknown>,
        this.answer,
        caller,
      );
    } catch {
      // grpc-js's answer to a handler that throws (unary.ts's do not).
      this.sendStatus({ code: grpcStatus.UNKNOWN, details: 'Unknown error' });
    }
  }

  private sendResponse(response: unknown): void {
    if (this.ended || this.stream.destroyed || this.stream.closed) return;
    let frame: Buffer;
    try {
      frame = frameMessage(this.method.serialize(response));
    } catch {
      this.sendStatus({ code: grpcStatus.INTERNAL, details: 'Error serializing response' });
      return;
    }
    this.end(grpcStatus.OK);
    const stream = this.stream;
    // A fresh object each time: Node's respond() may add to the one it is given.
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc+proto',
        'grpc-accept-encoding': 'identity,deflate,gzip',
        'grpc-encoding': 'identity',
      },
      { waitForTrailers: true },
    );
    stream.once('wantTrailers', () => stream.sendTrailers({ ...okTrailers }));
    stream.end(frame);
    this.context.busyPoll?.answered();
  }

  /** An error status, as a trailers-only response (no answer is ever sent before one). */
  private sendStatus(status: StatusLike): void {
    if (this.ended || this.stream.destroyed || this.stream.closed) return;
    this.end(status.code);
    this.stream.respond(
      {
        'grpc-status': status.code,
        'grpc-message': encodeURI(status.details),
        ':status': 200,
        'content-type': 'application/grpc+proto',
        ...status.metadata?.toHttp2Headers(),
      },
      { endStream: true },
    );
    // As grpc-js: what the client still sends is read and dropped.
    this.stream.resume();
  }

  private end(code: number): void {
    this.ended = true;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    for (const observation of this.observations) observation.finish(code);
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    this.sendStatus({ code: grpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' });
    this.cancel();
  }

  private onClose(): void {
    if (this.ended) return;
    // The client reset the stream or went away before any status: CANCELLED, as grpc-js.
    this.end(grpcStatus.CANCELLED);
    this.cancel();
  }

  /** As grpc-js's handleUnary: the call is marked cancelled and told so. */
  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (!this.settled) this.onCancelled?.();
  }
}
