/**
 * One member's Prometheus metrics: its own registry (never prom-client's global one, so
 * several members in one process each report their own), filled three ways:
 * - read from the member at each scrape (member-gauges.ts),
 * - observed as they happen through the node's MemberObserver port (observed.ts),
 * - counted per gRPC call by an interceptor (grpc-metrics.ts), and per gRPC connection
 *   from its socket (client-traffic.ts);
 * plus prom-client's process_* and nodejs_* metrics.
 *
 * @example
 * const metrics = createMetrics({ logger });
 * const member = await Member.open({ ...options, observer: metrics.observer });
 * metrics.attach(() => member.metrics());
 * await createServer({ api: member, listen, http: metrics.http, grpcInterceptors: [metrics.grpc] });
 */
import type { RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerInterceptor } from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { silentLogger, type Logger } from '../../env/logger.js';
import type { MemberMetrics, MemberObserver } from '../../node/member-metrics.js';
import type { Health } from '../http/health.js';
import { busyPollSeconds } from '../http2/busy-poll.js';
import { notFound } from '../listener.js';
import { ClientTraffic } from './client-traffic.js';
import { GrpcMetrics } from './grpc-metrics.js';
import { memberGauges, MemberSnapshot } from './member-gauges.js';
import { observedMetrics } from './observed.js';

export interface MetricsOptions {
  readonly logger?: Logger;
  /** Unary calls slower than this are logged and counted (--warning-apply-duration). */
  readonly slowRequestMs?: number;
  /** Paths other than /metrics (default: 404). */
  readonly fallback?: RequestListener;
}

export interface ConcordMetrics {
  readonly registry: Registry;
  /** For Member.open: the durations the member measures. */
  readonly observer: MemberObserver;
  /** For createServer: counts every gRPC call by method and status. */
  readonly grpc: ServerInterceptor;
  /** For createServer: counts the bytes of each gRPC client connection. */
  grpcSocket(socket: Socket): void;
  /** Serves GET /metrics (the text exposition format); other paths go to the fallback. */
  readonly http: RequestListener;
  /** Where scrapes read the member's state from (call once the member is open). */
  attach(source: () => MemberMetrics): void;
  /** Counts a /health answer (etcd_server_health_success / _failures); logs a failing one. */
  health(result: Health): void;
  /** The exposition text, as GET /metrics answers it. */
  scrape(): Promise<string>;
}

export function createMetrics(options: MetricsOptions = {}): ConcordMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const snapshot = new MemberSnapshot();
  memberGauges(registry, snapshot);
  const logger = options.logger ?? silentLogger;
  const grpc = new GrpcMetrics(registry, {
    logger,
    slowRequestMs: options.slowRequestMs ?? 100,
  });
  const traffic = new ClientTraffic(registry);
  new Counter({
    name: 'concord_busy_poll_seconds_total',
    help:
      'Time the event loop spent polling for requests after answers instead of sleeping: CPU ' +
      'traded for latency (--busy-poll-us sets the window, 0 turns it off). Per process.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(busyPollSeconds());
    },
  });
  const healthSuccess = new Counter({
    name: 'etcd_server_health_success',
    help: 'The total number of successful health checks',
    registers: [registry],
  });
  const healthFailures = new Counter({
    name: 'etcd_server_health_failures',
    help: 'The total number of failed health checks',
    registers: [registry],
  });
  let source: (() => MemberMetrics) | undefined;
  const scrape = async (): Promise<string> => {
    snapshot.current = source?.();
    try {
      return await registry.metrics();
    } finally {
      snapshot.current = undefined;
    }
  };
  const fallback = options.fallback ?? notFound;
  return {
    registry,
    observer: observedMetrics(registry),
    grpc: grpc.interceptor,
    grpcSocket: (socket) => traffic.track(socket),
    http: (request, response) => {
      const path = new URL(request.url ?? '/', 'http://concord').pathname;
      if (path !== '/metrics') return fallback(request, response);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET' }).end('Method Not Allowed\n');
        return;
      }
      scrape().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
        },
      );
    },
    attach: (read) => {
      source = read;
    },
    health: (result) => {
      if (result.health === 'true') {
        healthSuccess.inc();
        return;
      }
      healthFailures.inc();
      logger.warn('/health error', { output: JSON.stringify(result), 'status-code': 503 });
    },
    scrape,
  };
}
