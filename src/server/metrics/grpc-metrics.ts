/**
 * gRPC request counts and latencies by method, as go-grpc-prometheus reports them for etcd
 * (`grpc_server_started_total`, `grpc_server_handled_total`, `grpc_server_handling_seconds`,
 * labelled grpc_type, grpc_service, grpc_method and, when handled, grpc_code), through one
 * grpc-js server interceptor that sees every call of every service.
 *
 * Per call it costs two clock reads, a few small objects grpc-js's interceptor API needs, an
 * observation on the method's histogram child (./counted-histogram.ts), and plain counts per
 * method that reach the prom-client counters when they are read (no label hashing per call).
 * A unary call slower than --warning-apply-duration is counted (concord_slow_requests_total) and logged
 * (at most one line a second: an overloaded member would otherwise spend itself logging).
 */
import {
  ServerInterceptingCall,
  status as grpcStatus,
  type Responder,
  type ServerInterceptor,
  type ServerListener,
  type ServerMethodDefinition,
} from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';
import { formatDuration, LogThrottle, type Logger } from '../../env/logger.js';
import { observedDirectly } from '../http2/fast-path-observer.js';
import { defaultBuckets } from './buckets.js';
import { CountedHistogram, type HistogramChild } from './counted-histogram.js';

/** Go's codes.Code names, indexed by code. */
const codeNames = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/** One method's label children, and its calls in flight. */
export interface MethodMetrics {
  readonly type: GrpcType;
  readonly service: string;
  readonly method: string;
  readonly started: Counter.Internal;
  readonly handling: HistogramChild;
  readonly handled: (Counter.Internal | undefined)[];
  inFlight: number;
  /** Counted per call; handed to the prom-client counters when they are read (syncCounts). */
  startedCount: number;
  startedSynced: number;
  /** By code. */
  readonly handledCounts: number[];
  readonly handledSynced: number[];
}

export interface GrpcMetricsOptions {
  readonly logger: Logger;
  readonly slowRequestMs: number;
}

export class GrpcMetrics {
  private readonly methods = new Map<string, MethodMetrics>();
  private readonly started: Counter;
  private readonly handled: Counter;
  private readonly handling: CountedHistogram;
  private readonly slow: Counter;
  private readonly slowLog = new LogThrottle(1000);

  constructor(
    registry: Registry,
    private readonly options: GrpcMetricsOptions,
  ) {
    const registers = [registry];
    const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
    this.started = new Counter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames,
      registers,
      collect: () => this.syncCounts(),
    });
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers,
      collect: () => this.syncCounts(),
    });
    this.handling = new CountedHistogram(
      'grpc_server_handling_seconds',
      'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames,
      defaultBuckets,
      registry,
    );
    this.slow = new Counter({
      name: 'concord_slow_requests_total',
      help: 'Unary requests slower than --warning-apply-duration, by method.',
      labelNames: ['grpc_service', 'grpc_method'],
      registers,
    });
    const watchStreams = this.forPath('/etcdserverpb.Watch/Watch', 'bidi_stream');
    new Gauge({
      name: 'etcd_debugging_mvcc_watch_stream_total',
      help: 'Total number of watch streams.',
      registers,
      collect() {
        this.set(watchStreams.inFlight);
      },
    });
  }

  /**
   * Counts every call grpc-js serves; calls the KV fast path serves past grpc-js
   * (../http2/fast-path.ts) are counted the same through the direct observer it carries.
   */
  readonly interceptor: ServerInterceptor = observedDirectly<ServerInterceptor>(
    (descriptor, call) =>
      new ServerInterceptingCall(
        call,
        new CallObservation(this, this.forMethod(descriptor)).responder(),
      ),
    { start: (path, type) => new CallObservation(this, this.forPath(path, type ?? 'unary')) },
  );

  /** A call ended with `code` after `tookMs` (CallObservation calls this once per call). */
  finished(metrics: MethodMetrics, tookMs: number, code: number): void {
    metrics.inFlight--;
    metrics.handling.observe(tookMs / 1000);
    metrics.handledCounts[code] = (metrics.handledCounts[code] ?? 0) + 1;
    if (metrics.type === 'unary' && tookMs > this.options.slowRequestMs) {
      this.slowRequest(metrics, tookMs, code);
    }
  }

  private forMethod(descriptor: ServerMethodDefinition<unknown, unknown>): MethodMetrics {
    const known = this.methods.get(descriptor.path);
    if (known !== undefined) return known;
    const type: GrpcType = descriptor.requestStream
      ? descriptor.responseStream
        ? 'bidi_stream'
        : 'client_stream'
      : descriptor.responseStream
        ? 'server_stream'
        : 'unary';
    return this.forPath(descriptor.path, type);
  }

  private forPath(path: string, type: GrpcType): MethodMetrics {
    const known = this.methods.get(path);
    if (known !== undefined) return known;
    // "/etcdserverpb.KV/Range" -> service "etcdserverpb.KV", method "Range".
    const [, service = '', method = ''] = path.split('/');
    const metrics: MethodMetrics = {
      type,
      service,
      method,
      started: this.started.labels(type, service, method),
      handling: this.handling.child(type, service, method),
      handled: [],
      inFlight: 0,
      startedCount: 0,
      startedSynced: 0,
      handledCounts: [],
      handledSynced: [],
    };
    this.methods.set(path, metrics);
    return metrics;
  }

  /**
   * Hands the calls counted since the last read to the prom-client counters. A labelled
   * counter's inc() hashes its labels each time: per call that showed in profiles, per scrape
   * it is nothing.
   */
  private syncCounts(): void {
    for (const metrics of this.methods.values()) {
      if (metrics.startedCount > metrics.startedSynced) {
        metrics.started.inc(metrics.startedCount - metrics.startedSynced);
        metrics.startedSynced = metrics.startedCount;
      }
      metrics.handledCounts.forEach((count, code) => {
        const synced = metrics.handledSynced[code] ?? 0;
        if (count <= synced) return;
        this.handledChild(metrics, code).inc(count - synced);
        metrics.handledSynced[code] = count;
      });
    }
  }

  private handledChild(metrics: MethodMetrics, code: number): Counter.Internal {
    let child = metrics.handled[code];
    if (child === undefined) {
      const name = codeNames[code] ?? `Code(${code})`;
      child = this.handled.labels(metrics.type, metrics.service, metrics.method, name);
      metrics.handled[code] = child;
    }
    return child;
  }

  private slowRequest(metrics: MethodMetrics, tookMs: number, code: number): void {
    this.slow.labels(metrics.service, metrics.method).inc();
    const suppressed = this.slowLog.admit(performance.now());
    if (suppressed === undefined) return;
    this.options.logger.warn('request took too long', {
      took: formatDuration(tookMs),
      'expected-duration': formatDuration(this.options.slowRequestMs),
      method: `/${metrics.service}/${metrics.method}`,
      code: codeNames[code] ?? String(code),
      'similar-lines-suppressed': suppressed,
    });
  }
}

/**
 * One call, from start to its status. Its responder's functions are assigned, not written as
 * an object literal: under tsx (esbuild keepNames) each named function made per call got a
 * defineProperty of its name, which showed in profiles (~3% of a member's busy time).
 */
class CallObservation {
  private readonly start = performance.now();
  private done = false;

  constructor(
    private readonly owner: GrpcMetrics,
    private readonly metrics: MethodMetrics,
  ) {
    metrics.startedCount++;
    metrics.inFlight++;
  }

  responder(): Responder {
    const responder: Responder = {};
    responder.start = (next) => {
      // A client that goes away may leave a stream without a status: it counts as Canceled.
      const listener: ServerListener = {};
      listener.onCancel = () => this.finish(grpcStatus.CANCELLED);
      next(listener);
    };
    responder.sendStatus = (status, next) => {
      this.finish(status.code ?? grpcStatus.UNKNOWN);
      next(status);
    };
    return responder;
  }

  /** The call ended with `code`; counted once, whatever reports it again. */
  finish(code: number): void {
    if (this.done) return;
    this.done = true;
    this.owner.finished(this.metrics, performance.now() - this.start, code);
  }
}
