/**
 * A unary handler that takes its caller's AuthInfo as an argument, instead of reading it from
 * the AsyncLocalStorage context guard.ts runs other handlers in. The KV service's handlers
 * are the hot path of every figure: an AsyncLocalStorage context per call costs a store run
 * plus async-hook bookkeeping on every promise the call creates, while the AuthInfo is the
 * same value either way. The guard still resolves the caller (token, certificate) for such a
 * handler and refuses a bad token before it runs; the handler must put the AuthInfo on every
 * member call it makes (RequestOptions.auth), where authorizingApi checks and attributes it.
 */
import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { AuthInfo } from '../../mvcc/auth/types.js';

const marker = Symbol('takes its caller explicitly');

/** grpc-js's unary handler, with the caller the guard resolved (undefined: no guard ran). */
export type ExplicitCallerHandler<Request, Response> = (
  call: ServerUnaryCall<Request, Response>,
  callback: sendUnaryData<Response>,
  caller?: AuthInfo,
) => void;

/** Marks `handler` so the guard passes it the caller (see the file comment). */
export function takesCaller<Request, Response>(
  handler: ExplicitCallerHandler<Request, Response>,
): ExplicitCallerHandler<Request, Response> {
  return Object.assign(handler, { [marker]: true });
}

/**
 * A stream handler (Watch) that takes its caller as a resolver, called on each use: a stream
 * outlives tokens, so the guard resolves the caller whenever the handler asks, as it did in
 * the context. The handler makes its member calls as that caller (guard.ts's asCaller).
 */
export type CallerStreamHandler<Call> = (call: Call, caller?: () => AuthInfo) => void;

/** Marks a stream handler so the guard passes it its caller's resolver (no context). */
export function takesStreamCaller<Call>(
  handler: CallerStreamHandler<Call>,
): CallerStreamHandler<Call> {
  return Object.assign(handler, { [marker]: true });
}

export function isExplicitCaller(handler: object): boolean {
  return (handler as { [marker]?: boolean })[marker] === true;
}
