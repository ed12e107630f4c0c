/**
 * How a grpc-js server interceptor that only observes calls (the metrics' counts) also sees
 * the calls ./fast-path.ts serves without grpc-js: the interceptor carries a direct observer,
 * told when each fast call starts and with which status code it ends. The fast path runs only
 * when every interceptor the server was given carries one; an interceptor without one must see
 * every call, so then grpc-js serves them all.
 *
 * @example
 * const interceptor = observedDirectly((descriptor, call) => ..., { start: (path) => ... });
 * directObserverOf(interceptor)?.start('/etcdserverpb.KV/Put').finish(0);
 */

/** One call, from its start to its status. */
export interface CallObservation {
  /** The call ended with gRPC status `code` (CANCELLED when its client went away first). */
  finish(code: number): void;
}

/** go-grpc-prometheus's grpc_type of the calls the fast path serves. */
export type FastCallType = 'unary' | 'bidi_stream';

export interface DirectCallObserver {
  /** A call to `path` ("/etcdserverpb.KV/Put") started; unary unless `type` says otherwise. */
  start(path: string, type?: FastCallType): CallObservation;
}

const observerKey = Symbol('direct call observer');

/** Tags `interceptor` with the observer that stands for it on the fast path. */
export function observedDirectly<T extends object>(
  interceptor: T,
  observer: DirectCallObserver,
): T {
  return Object.assign(interceptor, { [observerKey]: observer });
}

export function directObserverOf(interceptor: object): DirectCallObserver | undefined {
  return (interceptor as { [observerKey]?: DirectCallObserver })[observerKey];
}
