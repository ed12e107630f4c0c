/**
 * Adapts an async handler to a grpc-js unary handler: it gets an AbortSignal that fires when
 * the client cancels or goes away, and whatever it throws becomes the status etcd would send
 * (../status.ts).
 */
import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
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
