/**
 * createServer's options, their defaults (etcd's where etcd has the knob) and validation that
 * names the flag.
 */
import { KiB, limits as defaultLimits } from '../base/limits.js';
import type { TlsCredentials } from '../env/tls/tls-credentials.js';
import type { ConcordApi } from '../node/api.js';
import type { BugHandler } from './status.js';
import { crashOnBug } from './status.js';

/** etcd lets a gRPC message exceed --max-request-bytes by this much (grpcOverheadBytes). */
export const grpcOverheadBytes = 512 * KiB;

export interface ServerLimits {
  /** --max-request-bytes (default 1.5 MiB). */
  readonly requestBytesMax: number;
  /** --max-txn-ops (default 128). */
  readonly txnOpsMax: number;
  /** --quota-backend-bytes, reported by Maintenance.Status (default 2 GiB). */
  readonly quotaBackendBytes: number;
  /** --max-concurrent-streams: HTTP/2 streams per client connection (default 2^32-1). */
  readonly concurrentStreamsMax: number;
  /** --max-connections: client connections at once (default 10000). */
  readonly connectionsMax: number;
  /** --max-watchers-per-stream (default 10000). */
  readonly watchersPerStreamMax: number;
  /** --max-leases: LeaseGrant refused past it (default 1e6). */
  readonly leasesMax: number;
  /** --max-waiting-calls: Lock, Campaign and Observe calls at once (default 10000). */
  readonly waitingCallsMax: number;
}

export interface ServerOptions {
  /** The member behind the front door; the server calls nothing else. */
  readonly api: ConcordApi;
  /** Where to listen: `http://host:port` or `https://host:port` (port 0 picks a free one). */
  readonly listen: readonly URL[];
  /**
   * The certificate for https:// URLs, and whether clients must present one (--cert-file,
   * --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls). Required for https.
   */
  readonly tls?: TlsCredentials;
  readonly limits?: Partial<ServerLimits>;
  /**
   * Period of progress notifications to watchers created with progress_notify, in ms
   * (etcd's --experimental-watch-progress-notify-interval: 10 minutes). A tenth of it is
   * added at random per stream, as etcd does, so watchers do not all report at once.
   */
  readonly watchProgressNotifyIntervalMs?: number;
  /**
   * Responses one watch stream may queue while its client reads slowly (etcd: 128). Past it
   * the stream's WatchSinks answer false and the stream stops reading requests.
   */
  readonly watchQueueResponsesMax?: number;
  /** Keep-alive requests one lease stream may queue before it stops reading (default 16). */
  readonly leaseKeepAliveQueueMax?: number;
  /** How long close() lets in-flight calls finish before cutting connections (default 5 s). */
  readonly shutdownGraceMs?: number;
  /**
   * How long the read behind /health, /livez and /readyz may take before the probe fails, in
   * ms (etcd bounds it by its request timeout; default 5 s).
   */
  readonly healthTimeoutMs?: number;
  /** Called with an error that is not a ConcordError (a bug). Default: crash loudly. */
  readonly onBug?: BugHandler;
  /**
   * The member's --election-timeout in ms (default 1000, etcd's): how often streams that
   * require a leader check for one (./services/require-leader.ts).
   */
  readonly electionTimeoutMs?: number;
  /** How many leases the member holds now, for --max-leases (default: never refuses). */
  readonly leaseCount?: () => number;
}

export interface ResolvedOptions {
  readonly api: ConcordApi;
  readonly listen: readonly URL[];
  readonly tls: TlsCredentials | undefined;
  readonly limits: ServerLimits;
  readonly watchProgressNotifyIntervalMs: number;
  readonly watchQueueResponsesMax: number;
  readonly leaseKeepAliveQueueMax: number;
  readonly shutdownGraceMs: number;
  readonly healthTimeoutMs: number;
  readonly onBug: BugHandler;
  readonly electionTimeoutMs: number;
  readonly leaseCount: () => number;
}

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    api: options.api,
    listen: options.listen,
    tls: options.tls,
    limits: {
      requestBytesMax: options.limits?.requestBytesMax ?? defaultLimits.requestBytesMax,
      txnOpsMax: options.limits?.txnOpsMax ?? defaultLimits.txnOpsMax,
      quotaBackendBytes: options.limits?.quotaBackendBytes ?? defaultLimits.quotaBackendBytes,
      concurrentStreamsMax:
        options.limits?.concurrentStreamsMax ?? defaultLimits.concurrentStreamsMax,
      connectionsMax: options.limits?.connectionsMax ?? defaultLimits.connectionsMax,
      watchersPerStreamMax:
        options.limits?.watchersPerStreamMax ?? defaultLimits.watchersPerStreamMax,
      leasesMax: options.limits?.leasesMax ?? defaultLimits.leasesMax,
      waitingCallsMax: options.limits?.waitingCallsMax ?? defaultLimits.waitingCallsMax,
    },
    watchProgressNotifyIntervalMs: options.watchProgressNotifyIntervalMs ?? 10 * 60 * 1000,
    watchQueueResponsesMax: options.watchQueueResponsesMax ?? 128,
    leaseKeepAliveQueueMax: options.leaseKeepAliveQueueMax ?? 16,
    shutdownGraceMs: options.shutdownGraceMs ?? 5000,
    healthTimeoutMs: options.healthTimeoutMs ?? 5000,
    onBug: options.onBug ?? crashOnBug,
    electionTimeoutMs: options.electionTimeoutMs ?? 1000,
    leaseCount: options.leaseCount ?? (() => 0),
  };
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedOptions): void {
  const positive = (value: number, flag: string): void => {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`${flag} must be a positive integer, got ${value}`);
    }
  };
  positive(options.limits.requestBytesMax, '--max-request-bytes');
  positive(options.limits.txnOpsMax, '--max-txn-ops');
  positive(options.limits.quotaBackendBytes, '--quota-backend-bytes');
  positive(options.limits.concurrentStreamsMax, '--max-concurrent-streams');
  positive(options.limits.connectionsMax, '--max-connections');
  positive(options.limits.watchersPerStreamMax, '--max-watchers-per-stream');
  positive(options.limits.leasesMax, '--max-leases');
  positive(options.limits.waitingCallsMax, '--max-waiting-calls');
  positive(options.watchProgressNotifyIntervalMs, 'watchProgressNotifyIntervalMs');
  positive(options.watchQueueResponsesMax, 'watchQueueResponsesMax');
  positive(options.leaseKeepAliveQueueMax, 'leaseKeepAliveQueueMax');
  positive(options.healthTimeoutMs, 'healthTimeoutMs');
  positive(options.electionTimeoutMs, '--election-timeout');
  if (options.listen.length === 0) throw new RangeError('--listen-client-urls: no URL given');
  for (const url of options.listen) {
    if (url.protocol === 'https:' && options.tls === undefined) {
      throw new RangeError(
        `--listen-client-urls: ${url.href}: https needs --cert-file and --key-file, or --auto-tls`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RangeError(
        `--listen-client-urls: ${url.href}: only http:// and https:// are served`,
      );
    }
  }
}
