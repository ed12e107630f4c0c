/**
 * Leases: grant, revoke, time-to-live, and automatic keep-alive with a "lost" event.
 *
 * Keep-alive: one LeaseKeepAlive stream per client carries every kept lease; each lease is
 * renewed every third of its TTL. A lease is LOST, once, when
 * - the server answers a keep-alive with TTL 0 (it expired, or someone revoked it), or
 * - no keep-alive has succeeded for a whole TTL, counted from the send of the first
 *   unanswered one (the lease may have expired on the server; the client cannot know, and
 *   anything hanging off it must be treated as gone).
 * The stream moves to the next endpoint when it breaks; renewals resume there.
 */
import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { CallOptions, Connection } from './connection.js';
import { LeaseLostError, ServerError, type LeaseLostReason } from './errors.js';
import {
  int,
  type WireLeaseGrantResponse,
  type WireLeaseKeepAliveResponse,
  type WireLeaseTimeToLiveResponse,
} from './proto.js';
import { backoffMs, delay } from './retry.js';

export interface GrantOptions extends CallOptions {
  /** Keep it alive until revoked or closed (default true). */
  readonly keepAlive?: boolean;
  /** Ask for this ID (default: the server picks). */
  readonly id?: bigint;
}

export interface LeaseTimeToLive {
  /** Seconds left; -1 when the lease does not exist. */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: Buffer[];
}

/** A granted lease. */
export class Lease extends EventEmitter<{ lost: [LeaseLostError]; keepalive: [number] }> {
  private lostError: LeaseLostError | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** When the oldest unanswered keep-alive was sent. */
  private pendingSince: number | undefined;
  private kept = false;
  /** Resolves with the loss when the lease is lost (never, if it is revoked or closed first). */
  readonly lost: Promise<LeaseLostError>;
  private resolveLost!: (error: LeaseLostError) => void;

  constructor(
    private readonly leases: Leases,
    readonly id: bigint,
    /** The TTL the server granted, in seconds. */
    readonly ttl: number,
  ) {
    super();
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
  }

  /** Whether the lease was lost (see the file comment). */
  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /** Revokes it: its keys are deleted now. Not a loss: no "lost" event. */
  async revoke(options: CallOptions = {}): Promise<void> {
    this.stop();
    await this.leases.revoke(this.id, options);
  }

  /** Stops keeping it alive without revoking: it expires after its TTL. */
  close(): void {
    this.stop();
  }

  timeToLive(options: CallOptions & { keys?: boolean } = {}): Promise<LeaseTimeToLive> {
    return this.leases.timeToLive(this.id, options);
  }

  /** @internal Starts renewals. */
  start(): void {
    this.kept = true;
    this.pendingSince = Date.now();
    this.armWatchdog(this.ttl * 1000);
    this.scheduleRenew(0);
  }

  /** @internal A keep-alive answer for this lease. */
  answered(ttl: number): void {
    if (!this.kept) return;
    if (ttl <= 0) return this.lose('expired');
    const since = this.pendingSince ?? Date.now();
    this.pendingSince = undefined;
    this.armWatchdog(since + ttl * 1000 - Date.now());
    this.emit('keepalive', ttl);
  }

  /** @internal */
  lose(reason: LeaseLostReason): void {
    if (!this.kept) return;
    this.stop();
    this.lostError = new LeaseLostError(this.id, reason);
    this.resolveLost(this.lostError);
    this.emit('lost', this.lostError);
  }

  private scheduleRenew(ms: number): void {
    const periodMs = Math.max(100, (this.ttl * 1000) / 3);
    this.renewTimer = setTimeout(() => {
      if (!this.kept) return;
      // Unanswered for a whole renewal period: the stream's member hangs or lost its leader;
      // move the stream on while the lease still has two thirds of its TTL.
      const stuck = this.pendingSince !== undefined && Date.now() - this.pendingSince >= periodMs;
      this.leases.send(this.id, stuck ? this.pendingSince : undefined);
      this.pendingSince ??= Date.now();
      this.scheduleRenew(periodMs);
    }, ms);
    this.renewTimer.unref();
  }

  private armWatchdog(ms: number): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.lose('keepalive-timeout'), Math.max(0, ms));
    this.watchdog.unref();
  }

  private stop(): void {
    this.kept = false;
    clearTimeout(this.renewTimer);
    clearTimeout(this.watchdog);
    this.leases.forget(this);
  }
}

type KeepAliveStream = grpc.ClientDuplexStream<object, WireLeaseKeepAliveResponse>;

/** The Lease service and the client's one keep-alive stream. */
export class Leases {
  private readonly kept = new Map<bigint, Lease>();
  private stream: KeepAliveStream | undefined;
  /** Abandons the current stream for one on the next endpoint. */
  private breakStream: (() => void) | undefined;
  private streamIndex = -1;
  private streamOpenedAt = 0;
  private connecting = false;
  private attempt = 0;

  constructor(private readonly connection: Connection) {}

  /** Grants a lease of `ttlSeconds`, kept alive unless `keepAlive: false`. */
  async grant(ttlSeconds: number, options: GrantOptions = {}): Promise<Lease> {
    const wire = await this.connection.unary<WireLeaseGrantResponse>(
      'Lease',
      'LeaseGrant',
      { TTL: String(ttlSeconds), ID: String(options.id ?? 0n) },
      // A second copy would grant a second lease: retried only when none can have been.
      'unidentified-write',
      options,
    );
    if (wire.error !== '') throw new Error(`concord client: lease grant: ${wire.error}`);
    const lease = new Lease(this, BigInt(wire.ID), int(wire.TTL));
    if (options.keepAlive ?? true) {
      this.kept.set(lease.id, lease);
      lease.start();
    }
    return lease;
  }

  /** Revokes a lease by ID; a lease already gone is not an error. */
  async revoke(id: bigint, options: CallOptions = {}): Promise<void> {
    try {
      // Idempotent (a lease already gone is success below), so retried like a read.
      await this.connection.unary('Lease', 'LeaseRevoke', { ID: id.toString() }, 'read', options);
    } catch (error) {
      if (error instanceof ServerError && error.details === 'etcdserver: requested lease not found')
        return;
      throw error;
    }
  }

  async timeToLive(
    id: bigint,
    options: CallOptions & { keys?: boolean } = {},
  ): Promise<LeaseTimeToLive> {
    const wire = await this.connection.unary<WireLeaseTimeToLiveResponse>(
      'Lease',
      'LeaseTimeToLive',
      { ID: id.toString(), keys: options.keys ?? false },
      'read',
      options,
    );
    return { ttl: int(wire.TTL), grantedTtl: int(wire.grantedTTL), keys: wire.keys };
  }

  /** The member the keep-alive stream is on ('' when there is none). */
  get endpoint(): string {
    return this.stream === undefined ? '' : this.connection.endpointName(this.streamIndex);
  }

  /** @internal Sends one keep-alive for `id` (opening the stream if needed). */
  send(id: bigint, unansweredSince?: number): void {
    // Only a stream that was already open when the unanswered renewal was sent is to blame.
    if (unansweredSince !== undefined && this.streamOpenedAt <= unansweredSince) {
      this.breakStream?.();
    }
    const stream = this.stream;
    if (stream === undefined) {
      void this.connect();
      return;
    }
    stream.write({ ID: id.toString() });
  }

  /** @internal */
  forget(lease: Lease): void {
    if (this.kept.get(lease.id) === lease) this.kept.delete(lease.id);
    if (this.kept.size === 0) {
      const stream = this.stream;
      this.stream = undefined;
      stream?.cancel();
    }
  }

  close(): void {
    for (const lease of [...this.kept.values()]) lease.close();
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.connection.closed) return;
    this.connecting = true;
    let failed = false;
    try {
      await this.open();
    } catch {
      failed = true;
      this.attempt += 1;
    } finally {
      this.connecting = false;
    }
    if (failed && this.kept.size > 0 && !this.connection.closed) void this.connect();
  }

  private async open(): Promise<void> {
    if (this.attempt > 0) {
      const options = this.connection.options;
      await delay(
        backoffMs(this.attempt, options.retryDelayMs * 4, options.retryDelayMaxMs),
        this.connection.closeSignal,
      );
    }
    if (this.kept.size === 0 || this.connection.closed) return;
    const index = this.connection.current;
    const metadata = await this.connection.metadata(this.connection.closeSignal);
    metadata.set('hasleader', 'true');
    const client = this.connection.client(index, 'Lease') as unknown as {
      LeaseKeepAlive(metadata: grpc.Metadata): KeepAliveStream;
    };
    const stream = client.LeaseKeepAlive(metadata);
    this.stream = stream;
    const broken = (error?: grpc.ServiceError): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      stream.cancel();
      if (error?.details === 'etcdserver: invalid auth token') this.connection.invalidateToken();
      this.connection.failover(index);
      this.attempt += 1;
      if (this.kept.size > 0) void this.connect();
    };
    stream.on('data', (response: WireLeaseKeepAliveResponse) => {
      this.attempt = 0;
      this.kept.get(BigInt(response.ID))?.answered(int(response.TTL));
    });
    stream.on('error', broken);
    stream.on('end', () => broken());
    this.breakStream = () => broken();
    this.streamIndex = index;
    this.streamOpenedAt = Date.now();
    // Renew everything at once on a new stream: renewals sent on the old one may be lost.
    for (const id of this.kept.keys()) stream.write({ ID: id.toString() });
  }
}
