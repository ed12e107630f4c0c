/**
 * The composition root of a member's front door: the etcd v3 gRPC services over HTTP/2 on the
 * client URLs, delegating to a ConcordApi.
 *
 * @example
 * const server = await createServer({ api: member, listen: [new URL('http://127.0.0.1:2379')] });
 * // ... later
 * await server.close();
 */
import { Server, ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Health } from './http/health.js';
import type { ClientListener, RequestListener } from './listener.js';
import { listenClientUrl, notFound } from './listener.js';
import type { ServerOptions } from './options.js';
import { grpcOverheadBytes, resolveOptions } from './options.js';
import { httpRoutes } from './http/routes.js';
import { createGateway } from './gateway/gateway.js';
import { dashboardHandler } from './ui/dashboard.js';
import { etcdServices } from './proto.js';
import { kvService } from './services/kv.js';
import { leaseService } from './services/lease.js';
import { maintenanceService } from './services/maintenance.js';
import { clusterService } from './services/cluster.js';
import { electionService } from './services/election.js';
import { lockService } from './services/lock.js';
import { WaitingCalls } from './services/waiting-calls.js';
import { authService } from './services/auth.js';
import { AuthGate, noUser, type AuthServerOptions } from './auth/auth-gate.js';
import { authorizingApi, callerOf, guardServices } from './auth/guard.js';
import { fastDispatch, installFastPath, type FastPathOptions } from './http2/fast-path.js';
import { H2Front } from './http2/h2-front.js';
import { StreamRegistry } from './services/stream-registry.js';
import { watchService } from './services/watch.js';

export interface CreateServerOptions extends ServerOptions {
  /** Auth: --auth-token, --auth-token-ttl, --bcrypt-cost (auth/auth-gate.ts). */
  readonly auth?: AuthServerOptions;
  /**
   * Plain HTTP/1 requests on the client port that the server does not answer itself (it
   * serves /health, /livez, /readyz and /version): the seam for /metrics and the dashboard.
   * Default: 404.
   */
  readonly http?: RequestListener;
  /** Interceptors for every gRPC call (the metrics' request counts by method). */
  readonly grpcInterceptors?: readonly ServerInterceptor[];
  /** Told each /health answer (the metrics count them, as etcd does). */
  readonly onHealth?: (health: Health) => void;
  /** Told the TCP socket under each gRPC connection (the metrics count its bytes). */
  readonly onGrpcSocket?: (socket: Socket) => void;
  /**
   * Serve the KV service's unary calls past grpc-js's per-call machinery (http2/fast-path.ts).
   * Default true; false has grpc-js serve every call (tests compare the two).
   */
  readonly grpcFastPath?: boolean;
  /**
   * How long the event loop keeps polling after a unary answer instead of sleeping, in µs
   * (--busy-poll-us, http2/busy-poll.ts); default busyPollWindowUsDefault, 0 turns it off.
   */
  readonly busyPollWindowUs?: number;
}

export interface ConcordServer {
  /** The URLs listened on, with ports chosen by the system filled in. */
  readonly urls: readonly URL[];
  /**
   * Stops accepting calls, ends watch and keep-alive streams with UNAVAILABLE "etcdserver:
   * server stopped" (clients reconnect elsewhere and resume), lets unary calls in flight
   * finish for up to shutdownGraceMs, then cuts what remains.
   */
  close(): Promise<void>;
}

export async function createServer(options: CreateServerOptions): Promise<ConcordServer> {
  const plain = resolveOptions(options);
  const gate = new AuthGate(plain.api, options.auth);
  // Every service sees the member through the auth checks (auth/guard.ts).
  const resolved = { ...plain, api: authorizingApi(plain.api) };
  const services = etcdServices();
  const streams = new StreamRegistry();
  // etcd: MaxRecvMsgSize = --max-request-bytes + 512 KiB; sends are not limited.
  const receiveBytesMax = resolved.limits.requestBytesMax + grpcOverheadBytes;
  const grpc = new Server({
    'grpc.max_receive_message_length': receiveBytesMax,
    'grpc.max_send_message_length': -1,
    // etcd's --max-concurrent-streams: past it a connection's new streams are refused.
    'grpc.max_concurrent_streams': resolved.limits.concurrentStreamsMax,
    // Nothing reads channelz; it costs closures and clock reads on every call.
    'grpc.enable_channelz': 0,
    interceptors: [...(options.grpcInterceptors ?? [])],
  });
  // Each handler runs as its caller (auth/guard.ts).
  guardServices(grpc, { gate, onBug: resolved.onBug, tls: resolved.tls });
  const kv = kvService(resolved);
  grpc.addService(services.KV, kv);
  grpc.addService(services.Watch, watchService(resolved, streams));
  const lease = leaseService(resolved, streams);
  grpc.addService(services.Lease, lease);
  grpc.addService(services.Cluster, clusterService(resolved));
  grpc.addService(services.Maintenance, maintenanceService(resolved, streams));
  grpc.addService(services.Auth, authService(plain.api, gate, resolved.onBug));
  const waiting = new WaitingCalls(resolved.limits.waitingCallsMax);
  grpc.addService(services.Lock, lockService(resolved, waiting));
  grpc.addService(services.Election, electionService(resolved, streams, waiting));
  const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  let fastPath: FastPathOptions | undefined;
  if (options.grpcFastPath !== false) {
    fastPath = {
      // KV's calls; Lease's grants and revokes, and its keep-alive streams (clientv3's
      // KeepAliveOnce opens one per renewal).
      services: [
        { definition: services.KV, implementation: kv },
        { definition: services.Lease, implementation: lease },
      ],
      interceptors: options.grpcInterceptors ?? [],
      receiveBytesMax,
      // With auth off the caller is nobody (AuthGate.identify): no need to parse the metadata.
      resolveCaller: (call) =>
        plain.api.authView().enabled ? callerOf(call, { gate, tls: resolved.tls }) : noUser,
      onBug: resolved.onBug,
      ...(options.busyPollWindowUs === undefined
        ? {}
        : { busyPollWindowUs: options.busyPollWindowUs }),
    };
  }
  const dispatch = fastPath === undefined ? undefined : fastDispatch(fastPath);
  // Where grpc-js is not laid out as the fast path expects, grpc-js serves every call.
  if (dispatch !== undefined) installFastPath(grpc, dispatch);
  // Plain gRPC connections on Concord's own HTTP/2 layer (./http2/h2-front.ts).
  const h2 = H2Front.enabled()
    ? new H2Front(typeof dispatch === 'function' ? dispatch : undefined, (connection) =>
        injector.injectConnection(connection),
      )
    : undefined;
  // etcd's JSON gateway: each request a gRPC call to this server over an in-memory connection.
  const gateway = createGateway({
    inject: (connection) => injector.injectConnection(connection),
    requestBytesMax: resolved.limits.requestBytesMax,
    onBug: resolved.onBug,
  });
  const http = httpRoutes({
    handlers: [gateway.serve, dashboardHandler({ api: resolved.api, onBug: resolved.onBug })],
    api: resolved.api,
    timeoutMs: resolved.healthTimeoutMs,
    onBug: resolved.onBug,
    fallback: options.http ?? notFound,
    ...(options.onHealth !== undefined ? { onHealth: options.onHealth } : {}),
  });

  const listeners: ClientListener[] = [];
  try {
    for (const url of resolved.listen) {
      listeners.push(
        await listenClientUrl(
          url,
          (connection, socket) => {
            options.onGrpcSocket?.(socket);
            // Plain TCP only: over TLS the calls passed to grpc-js would lose the client
            // certificate (./http2/h2-front.ts).
            const plainTcp = connection === socket && !(socket instanceof TLSSocket);
            if (h2 !== undefined && plainTcp) h2.accept(socket);
            else injector.injectConnection(connection);
          },
          http,
          resolved.tls,
          resolved.limits.connectionsMax,
          { maxConcurrentStreams: resolved.limits.concurrentStreamsMax },
        ),
      );
    }
  } catch (error) {
    h2?.close();
    await Promise.all(listeners.map((listener) => listener.close()));
    grpc.forceShutdown();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    urls: listeners.map((listener) => listener.url),
    close: () => {
      gateway.close();
      gate.close();
      closing ??= shutdown(grpc, streams, listeners, resolved.shutdownGraceMs, h2);
      return closing;
    },
  };
}

async function shutdown(
  grpc: Server,
  streams: StreamRegistry,
  listeners: readonly ClientListener[],
  graceMs: number,
  h2: H2Front | undefined,
): Promise<void> {
  streams.shutdownAll();
  h2?.close();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => grpc.forceShutdown(), graceMs);
    grpc.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  await Promise.all(listeners.map((listener) => listener.close()));
}
