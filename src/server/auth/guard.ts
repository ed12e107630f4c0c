/**
 * Every request is checked (etcd's auth on each RPC), without touching each service:
 *
 * 1. `guardService` wraps a service's handlers: before the handler runs it finds who the call
 *    speaks for (AuthGate.identify: the token, else the certificate's CN) and runs the
 *    handler inside an AsyncLocalStorage context holding that AuthInfo. A bad token fails a
 *    unary call with "invalid auth token" before the handler sees it. Streams resolve the
 *    token on each use instead, since a stream outlives tokens. Handlers that take their
 *    caller explicitly (explicit-caller.ts: KV's unary calls; Watch and Snapshot, given a
 *    resolver they make their member call with through asCaller) run with no context, and so do LeaseKeepAlive's
 *    (servedWithoutCaller: it reads no caller); other streams' event listeners are bound to
 *    the context so the member calls they make see it.
 * 2. `authorizingApi` is the ConcordApi the services are given: it reads the context, checks
 *    what etcd checks at its server (reads, watch creation, root-only operations), and puts
 *    the AuthInfo on every proposal (RequestOptions.auth) so apply checks writes again
 *    against the replicated auth state (src/mvcc/auth/request-auth.ts).
 *
 * What needs what (etcd 3.4/3.5's servers and authApplierV3, and issue 8):
 * - Range, read-only Txn: READ, checked here. Put, DeleteRange, Txn with writes: checked at
 *   apply. Watch: READ on its range at creation; a denied watch is created and canceled at
 *   once with "etcdserver: permission denied" (watch-stream turns the error into that).
 * - LeaseRevoke: WRITE on every attached key (at apply). LeaseTimeToLive: READ on every
 *   attached key unless root (etcd 3.5's checkLeaseTimeToLive: the keys are not everyone's to
 *   see). LeaseGrant, KeepAlive, Leases: not checked (etcd does not either).
 * - Compact, Hash, HashKV, Snapshot, Defragment, MoveLeader, Alarm ACTIVATE/DEACTIVATE, and
 *   MemberAdd/Remove/Update/Promote: the root role. Status, Alarm GET, MemberList: anyone.
 * Calls made by the member itself (lease expiry, alarms it raises) carry no AuthInfo and are
 * not checked.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type {
  Metadata,
  MethodDefinition,
  Server,
  ServerUnaryCall,
  ServiceDefinition,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { assert } from '../../base/assert.js';
import { isConcordError, type ConcordError } from '../../base/errors.js';
import { authError } from '../../mvcc/auth/auth-errors.js';
import { rangeRefusal, txnRefusal } from '../../mvcc/auth/request-auth.js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import { isReadOnlyTxn } from '../../mvcc/state-machine.js';
import type { ConcordApi, RequestOptions } from '../../node/api.js';
import type { BugHandler } from '../status.js';
import { statusOf } from '../status.js';
import type { TlsCredentials } from '../../env/tls/tls-credentials.js';
import { clientCertificateUser, type CallWithAuthContext } from '../tls/peer-identity.js';
import { noUser, type AuthGate } from './auth-gate.js';
import { isServedWithoutCaller } from '../http2/fast-path-stream.js';
import {
  isExplicitCaller,
  type CallerStreamHandler,
  type ExplicitCallerHandler,
} from './explicit-caller.js';

/** Resolves who the current call speaks for (throws 'InvalidAuthToken'). */
type CallAuth = () => AuthInfo;

const current = new AsyncLocalStorage<CallAuth>();

/** The caller of the synchronous member call asCaller is making, if any. */
let synchronousCaller: CallAuth | undefined;

/** The AuthInfo of the call being served, or undefined outside any guarded call. */
export function currentAuth(): AuthInfo | undefined {
  const resolve = synchronousCaller ?? current.getStore();
  return resolve === undefined ? undefined : resolve();
}

/**
 * Runs `call` (a synchronous member call, such as watch()) as `caller`, for a handler that
 * takes its caller explicitly (explicit-caller.ts) and has no context to read it from.
 * authorizingApi checks a watch synchronously, before watch() returns, so no context is needed:
 * only this call stack sees the caller.
 */
export function asCaller<T>(caller: CallAuth | undefined, call: () => T): T {
  const outer = synchronousCaller;
  synchronousCaller = caller;
  try {
    return call();
  } finally {
    synchronousCaller = outer;
  }
}

/** For tests: calls that may read the context now (0: AsyncLocalStorage is disabled). */
export function callsInContext(): number {
  return inContext;
}

type Handler = (call: ServerUnaryCall<unknown, unknown>, callback?: sendUnaryData<unknown>) => void;

export interface GuardOptions {
  readonly gate: AuthGate;
  readonly onBug: BugHandler;
  /** The client TLS credentials: a certificate's CN names a user only with --client-cert-auth. */
  readonly tls: TlsCredentials | undefined;
}

export function guardService(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  options: GuardOptions,
): UntypedServiceImplementation {
  const methods = Object.entries(definition as Record<string, MethodDefinition<unknown, unknown>>);
  const guarded: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    // grpc-js serves a handler found under a method's name or its originalName ('range'); one
    // passed through unguarded would run with no AuthInfo, i.e. as the member itself.
    const method = methods.find(([key, m]) => key === name || m.originalName === name)?.[1];
    assert(method !== undefined, `auth guard: ${name} is not a method of the service`);
    guarded[name] = guard(method, handler as Handler, options);
  }
  return guarded;
}

/**
 * Who a call speaks for: its token, else (with --client-cert-auth) its certificate's CN, else
 * nobody. Throws 'InvalidAuthToken'. Also used by the KV fast path (../http2/fast-path.ts).
 */
export function callerOf(
  call: CallWithAuthContext & { readonly metadata: Metadata },
  { gate, tls }: Pick<GuardOptions, 'gate' | 'tls'>,
): AuthInfo {
  return gate.identify(call.metadata, clientCertificateUser(call, tls)) ?? noUser;
}

function guard(
  method: MethodDefinition<unknown, unknown>,
  handler: Handler,
  options: GuardOptions,
): Handler {
  const { onBug } = options;
  const resolve = (call: ServerUnaryCall<unknown, unknown>): AuthInfo => callerOf(call, options);
  const explicit = isExplicitCaller(handler);
  if (method.requestStream && explicit) {
    // Watch: no context; the handler resolves its caller on each use, as below.
    return (call) =>
      (handler as unknown as CallerStreamHandler<unknown>)(call, () => resolve(call));
  }
  if (method.requestStream && isServedWithoutCaller(handler)) {
    // LeaseKeepAlive: no member call of it reads the caller (the fast path serves it so too).
    return (call) => handler(call);
  }
  if (method.requestStream) {
    // A stream: resolve on each use; bind its listeners to the context.
    return (call) => {
      inContext++; // a stream may read it whenever a message arrives: for good
      current.run(
        () => resolve(call),
        () => {
          const on = call.on.bind(call);
          call.on = ((event: string, listener: (...args: unknown[]) => void) =>
            on(event, AsyncResource.bind(listener))) as typeof call.on;
          handler(call);
        },
      );
    };
  }
  return (call, callback) => {
    let info: AuthInfo;
    try {
      info = resolve(call);
    } catch (error) {
      const status = statusOf(error, onBug);
      if (callback !== undefined) callback(status);
      else call.emit('error', status);
      return;
    }
    if (explicit && callback === undefined) {
      // A server stream taking its caller (Snapshot): resolved once, as in the context below.
      (handler as unknown as CallerStreamHandler<unknown>)(call, () => info);
      return;
    }
    if (explicit) {
      (handler as ExplicitCallerHandler<unknown, unknown>)(call, callback!, info);
      return;
    }
    if (callback === undefined) {
      // A server stream (Snapshot, Observe): in the context for as long as the process runs.
      inContext++;
      current.run(
        () => info,
        () => handler(call),
      );
      return;
    }
    inContext++;
    let left = false;
    const answered: sendUnaryData<unknown> = (...answer) => {
      if (!left) {
        left = true;
        leaveContext();
      }
      callback(...answer);
    };
    current.run(
      () => info,
      () => handler(call, answered),
    );
  };
}

/**
 * Calls that may read the context now (unary calls until they answer; streams for good).
 * While there are none the context is disabled: the async hooks AsyncLocalStorage turns on
 * cost on every promise the process makes (Raft, storage, the KV calls that take their caller
 * explicitly), and one Status call would otherwise leave them on forever. A unary handler
 * (./services/unary.ts) answers only once its promise settled, so nothing of it reads the
 * context after; run() turns the context back on for the next call.
 */
let inContext = 0;

function leaveContext(): void {
  inContext--;
  if (inContext === 0) current.disable();
}

type RootOnlyMethod =
  | 'memberAdd'
  | 'memberRemove'
  | 'memberUpdate'
  | 'memberPromote'
  | 'hash'
  | 'hashKv'
  | 'snapshot'
  | 'defragment'
  | 'moveLeader';

/** The member as the services see it: checked and attributed (see the file comment). */
export function authorizingApi(api: ConcordApi): ConcordApi {
  // The caller a handler passed explicitly (explicit-caller.ts), else the guard's context.
  const auth = (options?: RequestOptions): AuthInfo | undefined => options?.auth ?? currentAuth();
  const attributed = (options?: RequestOptions): RequestOptions | undefined => {
    if (options?.auth !== undefined) return options;
    const info = currentAuth();
    return info === undefined ? options : { ...options, auth: info };
  };
  const refuse = (
    check: (info: AuthInfo) => ConcordError | undefined,
    options?: RequestOptions,
  ): void => {
    const info = auth(options);
    if (info === undefined) return;
    const error = check(info);
    if (error !== undefined) throw error;
  };
  const admin = (options?: RequestOptions): void =>
    refuse((info) => api.authView().checkAdmin(info), options);
  /** The member's method, refused (a rejected promise) unless the caller has the root role. */
  const rootOnly = <K extends RootOnlyMethod>(name: K): ConcordApi[K] =>
    (async (...args: unknown[]) => {
      admin();
      const method = api[name] as unknown as (...a: unknown[]) => Promise<unknown>;
      return method.apply(api, args);
    }) as unknown as ConcordApi[K];
  const noLeaseKeys = (): Uint8Array[] => []; // apply checks lease keys
  const overrides: Partial<ConcordApi> = {
    range: async (request, options) => {
      refuse((info) => rangeRefusal(api.authView(), info, request.key, request.rangeEnd), options);
      return api.range(request, attributed(options));
    },
    put: async (request, options) => api.put(request, attributed(options)),
    deleteRange: async (request, options) => api.deleteRange(request, attributed(options)),
    txn: async (request, options) => {
      if (isReadOnlyTxn(request)) {
        refuse((info) => txnRefusal(api.authView(), info, request, noLeaseKeys), options);
      }
      return api.txn(request, attributed(options));
    },
    compact: async (request, options) => {
      admin(options);
      return api.compact(request, attributed(options));
    },
    leaseGrant: async (id, ttl, options) => api.leaseGrant(id, ttl, attributed(options)),
    leaseRevoke: async (id, options) => api.leaseRevoke(id, attributed(options)),
    leaseTimeToLive: async (id, keys, options) => {
      const answer = await api.leaseTimeToLive(id, true, options);
      refuse((info) => {
        const view = api.authView();
        if (view.checkAdmin(info) === undefined) return undefined;
        for (const key of answer.response.keys) {
          const error = view.checkOp(info, key, undefined, 'READ');
          if (error !== undefined) return error;
        }
        return undefined;
      });
      return keys ? answer : { ...answer, response: { ...answer.response, keys: [] } };
    },
    watch: (create, sink) => {
      // The caller: asCaller's (Watch streams) or the context's; resolved now, on each create.
      let denied: ConcordError | undefined;
      try {
        refuse((info) => rangeRefusal(api.authView(), info, create.key, create.rangeEnd));
      } catch (error) {
        if (!isConcordError(error)) throw error;
        denied = error;
      }
      // etcd cancels a watch it may not serve with "permission denied", whatever the cause.
      if (denied !== undefined) throw authError('PermissionDenied');
      return api.watch(create, sink);
    },
    memberAdd: rootOnly('memberAdd'),
    memberRemove: rootOnly('memberRemove'),
    memberUpdate: rootOnly('memberUpdate'),
    memberPromote: rootOnly('memberPromote'),
    hash: rootOnly('hash'),
    hashKv: rootOnly('hashKv'),
    snapshot: rootOnly('snapshot'),
    defragment: rootOnly('defragment'),
    moveLeader: rootOnly('moveLeader'),
    alarm: async (request, options) => {
      if (request.action !== 'GET') admin();
      return api.alarm(request, attributed(options));
    },
  };
  // Each method is bound once: binding on every read made a function per member call
  // (two per lease keep-alive: header() and the renewal).
  const bound = new Map<string | symbol, unknown>();
  return new Proxy(api, {
    get(target, property) {
      const override = (overrides as Record<string | symbol, unknown>)[property];
      if (override !== undefined) return override;
      const known = bound.get(property);
      if (known !== undefined) return known;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = (value as (...a: unknown[]) => unknown).bind(target);
      bound.set(property, method);
      return method;
    },
  });
}

/**
 * Makes every service later added to `server` run its handlers as their caller
 * (guardService), so each service — present or future — is covered without knowing about
 * auth. Called once, right after the server is built.
 */
export function guardServices(server: Server, options: GuardOptions): void {
  const addService = server.addService.bind(server);
  server.addService = (definition, implementation) =>
    addService(definition, guardService(definition, implementation, options));
}
