/**
 * The KV service's unary calls (Range, Put, DeleteRange, Txn, Compact: every figure of the
 * benchmark), Lease's grants and revokes and its keep-alive streams, served straight on their
 * HTTP/2 streams, past grpc-js's per-call machinery.
 *
 * Why: per call grpc-js builds an intercepting call chain, parses every header into Metadata,
 * runs listener and responder objects through each interceptor, decodes with a general
 * stream decoder and arms closures for events a unary call does not have. On a member under
 * put load that was 15-18% of its busy time; a bare node:http2 server answers the same call
 * for about three quarters of a bare grpc-js server's CPU. ./fast-path-call.ts does what
 * grpc-js does for such a call, with the same wire bytes, statuses and messages.
 *
 * How: grpc-js has no public hook for this. `createConnectionInjector` makes an internal
 * node:http2 server (kept in the grpc-js Server's private `http2Servers` map) whose 'stream'
 * listener is grpc-js's call handler. `installFastPath` swaps that listener for a dispatcher:
 * a stream whose :path is a fast method and whose headers are plain goes to FastCall (a unary
 * call) or FastStream (a bidi stream: Lease.LeaseKeepAlive, ./fast-path-stream.ts); every
 * other stream (other services, compressed requests, unusual headers) goes to grpc-js's own
 * listener untouched. So falling back is always safe, and when grpc-js's internals are not
 * what this expects (a new version), nothing is installed and grpc-js serves every call
 * (test/server/fast-path.test.ts fails loudly then, so it is noticed).
 *
 * What grpc-js gave these calls and the fast path keeps: the auth guard's caller (token, else
 * the client certificate's CN), the metrics' counts (the interceptors must each carry a direct
 * observer, ./fast-path-observer.ts, or the fast path stays off), grpc.max_receive_message_
 * length, grpc-timeout, cancellation. Graceful shutdown needs nothing: grpc-js closes the
 * HTTP/2 sessions, which wait for their open streams, fast or not (a keep-alive stream is
 * ended by the StreamRegistry, through its handler, as under grpc-js).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type {
  MethodDefinition,
  Server,
  ServerInterceptor,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import { isExplicitCaller, type ExplicitCallerHandler } from '../auth/explicit-caller.js';
import type { BugHandler } from '../status.js';
import { BusyPoll, busyPollWindowUsDefault } from './busy-poll.js';
import { FastCall, timeoutPattern, type FastMethod } from './fast-path-call.js';
import { directObserverOf, type DirectCallObserver } from './fast-path-observer.js';
import {
  FastStream,
  isServedWithoutCaller,
  type FastStreamMethod,
  type StreamHandler,
} from './fast-path-stream.js';

export interface FastPathOptions {
  /**
   * The services, as given to addService (with their definitions, for each method's path and
   * (de)serializers). Of each, the unary handlers that take their caller explicitly
   * (auth/explicit-caller.ts: KV's, Lease.LeaseGrant and LeaseRevoke) and the bidi stream
   * handlers marked `servedWithoutCaller` (fast-path-stream.ts: Lease.LeaseKeepAlive) are
   * served fast; their other methods by grpc-js.
   */
  readonly services: readonly {
    readonly definition: ServiceDefinition;
    readonly implementation: UntypedServiceImplementation;
  }[];
  /** The server's interceptors: each must carry a direct observer, or nothing is installed. */
  readonly interceptors: readonly ServerInterceptor[];
  /** grpc.max_receive_message_length, as the grpc-js server was given it. */
  readonly receiveBytesMax: number;
  /** Who a call speaks for (the auth guard's rule); throws a ConcordError for a bad token. */
  readonly resolveCaller: (call: FastCall) => AuthInfo;
  readonly onBug: BugHandler;
  /**
   * The busy-poll window after each unary answer, in µs (./busy-poll.ts); default
   * busyPollWindowUsDefault; 0 turns it off.
   */
  readonly busyPollWindowUs?: number;
}

/** Why the fast path is off, or undefined when it was installed. */
export type FastPathRefusal =
  | 'grpc-js internals not found'
  | 'an interceptor has no direct observer'
  | 'GRPC_NODE_DEBUG_SEND_ERROR_DETAILS is set'
  | 'turned off by CONCORD_GRPC_FAST_PATH=0';

type StreamListener = (
  this: EventEmitter,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
) => void;

/** The parts of grpc-js 1.14's Server this reaches into. */
interface GrpcServerInternals {
  readonly http2Servers?: unknown;
  readonly onStreamOpened?: unknown;
}

/**
 * Serves `dispatch`'s fast methods (fastDispatch's result: one dispatcher serves both this
 * and Concord's HTTP/2 layer) on the HTTP/2 server behind the connection injector `grpc`
 * made last (call it right after createConnectionInjector). Returns why not, if it could not.
 */
export function installFastPath(
  grpc: Server,
  dispatch: FastDispatch | FastPathRefusal,
): FastPathRefusal | undefined {
  if (typeof dispatch === 'string') return dispatch;
  const internals = grpc as unknown as GrpcServerInternals;
  const http2 = injectorServer(internals);
  if (http2 === undefined) return 'grpc-js internals not found';
  const [original] = http2.listeners('stream') as StreamListener[];
  const onStreamOpened =
    typeof internals.onStreamOpened === 'function'
      ? (internals.onStreamOpened as (stream: ServerHttp2Stream) => void).bind(grpc)
      : undefined;
  http2.removeListener('stream', original!);
  http2.on('stream', function dispatchStream(this: EventEmitter, stream, headers, flags) {
    if (dispatch(stream, headers, onStreamOpened)) return;
    original!.call(this, stream, headers, flags);
  } as StreamListener);
  return undefined;
}

/**
 * Serves a stream on the fast path if its :path is a fast method and its headers are plain
 * (true), or leaves it alone (false). `onServed` runs first for a stream it serves.
 */
export type FastDispatch = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  onServed?: (stream: ServerHttp2Stream) => void,
) => boolean;

/** The fast path's dispatcher for `options`, or why there is none. */
export function fastDispatch(options: FastPathOptions): FastDispatch | FastPathRefusal {
  // The way back to grpc-js for every call, should the fast path ever misbehave (and for A/B).
  if (process.env['CONCORD_GRPC_FAST_PATH'] === '0')
    return 'turned off by CONCORD_GRPC_FAST_PATH=0';
  // grpc-js would put the decode error's text in the status; FastCall does not.
  if (process.env['GRPC_NODE_DEBUG_SEND_ERROR_DETAILS'] === 'true') {
    return 'GRPC_NODE_DEBUG_SEND_ERROR_DETAILS is set';
  }
  const observers: DirectCallObserver[] = [];
  for (const interceptor of options.interceptors) {
    const observer = directObserverOf(interceptor);
    if (observer === undefined) return 'an interceptor has no direct observer';
    observers.push(observer);
  }
  const methods = fastMethods(options);
  const streamMethods = fastStreamMethods(options);
  const context = {
    receiveBytesMax: options.receiveBytesMax,
    resolveCaller: options.resolveCaller,
    observers,
    onBug: options.onBug,
    busyPoll: new BusyPoll({ windowUs: options.busyPollWindowUs ?? busyPollWindowUsDefault }),
  };
  return (stream, headers, onServed) => {
    const path = headers[':path']!;
    const method = methods.get(path);
    const streamMethod = method === undefined ? streamMethods.get(path) : undefined;
    const timeout = method === undefined && streamMethod === undefined ? false : plainCall(headers);
    if (timeout === false) return false;
    onServed?.(stream); // grpc-js's idle-connection tracking
    if (method !== undefined) new FastCall(stream, headers, method, context, timeout);
    else new FastStream(stream, headers, streamMethod!, context, timeout);
    return true;
  };
}

/**
 * The node:http2 server grpc-js's last connection injector feeds, if grpc-js is laid out as
 * expected: a Map of its HTTP/2 servers, the newest an EventEmitter with exactly one 'stream'
 * listener (grpc-js's call handler).
 */
function injectorServer(internals: GrpcServerInternals): EventEmitter | undefined {
  if (!(internals.http2Servers instanceof Map)) return undefined;
  const servers = [...(internals.http2Servers as Map<unknown, unknown>).keys()];
  const server = servers[servers.length - 1] as Partial<EventEmitter> | undefined;
  if (typeof server?.listeners !== 'function' || typeof server.on !== 'function') return undefined;
  const emitter = server as EventEmitter;
  return emitter.listenerCount('stream') === 1 ? emitter : undefined;
}

function fastMethods(options: FastPathOptions): Map<string, FastMethod> {
  const methods = new Map<string, FastMethod>();
  for (const { definition, implementation } of options.services) {
    const definitions = definition as Record<string, MethodDefinition<unknown, unknown>>;
    for (const [name, handler] of Object.entries(implementation)) {
      const method = definitions[name];
      if (method === undefined || method.requestStream || method.responseStream) continue;
      // A handler that reads its caller from the guard's context needs grpc-js's path.
      if (!isExplicitCaller(handler)) continue;
      methods.set(method.path, {
        path: method.path,
        deserialize: method.requestDeserialize,
        serialize: method.responseSerialize,
        handler: handler as ExplicitCallerHandler<unknown, unknown>,
      });
    }
  }
  return methods;
}

function fastStreamMethods(options: FastPathOptions): Map<string, FastStreamMethod> {
  const methods = new Map<string, FastStreamMethod>();
  for (const { definition, implementation } of options.services) {
    const definitions = definition as Record<string, MethodDefinition<unknown, unknown>>;
    for (const [name, handler] of Object.entries(implementation)) {
      const method = definitions[name];
      if (method === undefined || !method.requestStream || !method.responseStream) continue;
      if (!isServedWithoutCaller(handler)) continue;
      methods.set(method.path, {
        path: method.path,
        deserialize: method.requestDeserialize,
        serialize: method.responseSerialize,
        handler: handler as StreamHandler,
      });
    }
  }
  return methods;
}

/**
 * The call's grpc-timeout parsed (undefined: none), or false when grpc-js should serve it:
 * a content type grpc-js refuses (it answers 415), a compressed request, a timeout grpc-js
 * fails as invalid.
 */
function plainCall(headers: IncomingHttpHeaders): RegExpExecArray | undefined | false {
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) return false;
  const encoding = headers['grpc-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return false;
  const timeout = headers['grpc-timeout'];
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'string') return false;
  return timeoutPattern.exec(timeout) ?? false;
}
