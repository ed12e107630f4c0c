/**
 * Adapts an async handler to a grpc-js unary handler: it gets an AbortSignal that fires when
 * the client cancels or goes away, and whatever it throws becomes the status etcd would send
 * (../status.ts).
 */
import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { AbortListener, CancelSignal, RequestOptions } from '../../node/api.js';
import { takesCaller } from '../auth/explicit-caller.js';
import { metadataValues, type RequestHeaders } from '../request-identity.js';
import type { BugHandler } from '../status.js';
import { statusOf } from '../status.js';

export type UnaryHandler<Request, Response> = (
  request: Request,
  signal: AbortSignal,
  metadata: Metadata,
) => Promise<Response>;

export function unary<Request, Response>(
  onBug: BugHandler,
  handler: UnaryHandler<Request, Response>,
): handleUnaryCall<Request, Response> {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const controller = new AbortController();
    // grpc-js also emits 'cancelled' when a finished call's stream closes; aborting then
    // would build a DOMException (with a stack) for nothing on every request.
    let settled = false;
    call.once('cancelled', () => {
      if (!settled) controller.abort();
    });
    // A handler that throws before its first await answers like one that rejects (grpc-js
    // would send a bare "Unknown error" and keep the cause to itself).
    let answer: Promise<Response>;
    try {
      answer = handler(call.request, controller.signal, call.metadata);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (response) => {
        settled = true;
        callback(null, response);
      },
      (error: unknown) => {
        settled = true;
        callback(statusOf(error, onBug));
      },
    );
  };
}

/** What a handler made by `unaryCall` knows of its call. */
export interface UnaryCall extends RequestHeaders {
  readonly metadata: Metadata;
  /**
   * Who the call speaks for, as the auth guard resolved it; it goes on every member call
   * (RequestOptions.auth). Undefined only when no guard ran (then the member call reads the
   * guard's context, as `unary` handlers do).
   */
  readonly caller: AuthInfo | undefined;
  /**
   * Fires when the client cancels or goes away. Watched from first use: most calls (a
   * serializable range) never wait on anything.
   */
  signal(): CancelSignal;
}

export type UnaryCallHandler<Request, Response> = (
  request: Request,
  call: UnaryCall,
) => Promise<Response>;

/** A unaryCall's member-call options: its caller, if the guard resolved one. */
export function callerOptions(call: UnaryCall): RequestOptions {
  return call.caller === undefined ? {} : { auth: call.caller };
}

/**
 * `unary`, for the hot path: the handler gets its caller from the guard as an argument
 * (auth/explicit-caller.ts) and its AbortSignal only if it asks for one.
 */
export function unaryCall<Request, Response>(
  onBug: BugHandler,
  handler: UnaryCallHandler<Request, Response>,
): handleUnaryCall<Request, Response> {
  return takesCaller<Request, Response>((call, callback, caller) => {
    const context = new Call(call, caller);
    let answer: Promise<Response>;
    try {
      answer = handler(call.request, context);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (response) => {
        context.settled = true;
        callback(null, response);
      },
      (error: unknown) => {
        context.settled = true;
        callback(statusOf(error, onBug));
      },
    );
  });
}

/**
 * A unary call's context, and its cancellation: a CancelSignal whose first listener takes a
 * slot. Not an AbortController: a write waits with one listener at a time
 * (src/node/deadline.ts), and an AbortController plus an EventTarget listener per call cost
 * more than the rest of the wait.
 */
class Call implements UnaryCall, CancelSignal {
  settled = false;
  aborted = false;
  private watching = false;
  private listener: AbortListener | undefined;
  private more: AbortListener[] | undefined;

  constructor(
    private readonly call: ServerUnaryCall<unknown, unknown>,
    readonly caller: AuthInfo | undefined,
  ) {}

  get metadata(): Metadata {
    return this.call.metadata;
  }

  /** As `metadata.get(key)`; the fast path's calls answer without building Metadata. */
  headerValues(key: string): readonly (string | Buffer)[] {
    return metadataValues(this.call, key);
  }

  signal(): CancelSignal {
    if (!this.watching) {
      this.watching = true;
      if (this.call.cancelled) this.aborted = true;
      // As in `unary`: grpc-js also emits 'cancelled' once a finished call's stream closes.
      else this.call.once('cancelled', () => this.settled || this.abort());
    }
    return this;
  }

  addEventListener(_type: 'abort', listener: AbortListener): void {
    // A call waits once at a time (one slot, no allocation); more are kept in order.
    if (this.listener === undefined && this.more === undefined) this.listener = listener;
    else (this.more ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.more !== undefined) this.more = this.more.filter((l) => l !== listener);
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = [
      ...(this.listener === undefined ? [] : [this.listener]),
      ...(this.more ?? []),
    ];
    this.listener = undefined;
    this.more = undefined;
    for (const listener of listeners) listener.handleEvent();
  }
}
