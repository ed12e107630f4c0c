/**
 * LeaseKeepAlive: one bidirectional stream, requests handled one at a time in arrival order,
 * as etcd's lease server does. Each response's header is taken before the renewal, so its
 * revision is never later than the renewal (a client cannot see a keep-alive succeed at a
 * revision after the lease's revocation). An unknown lease answers TTL 0; any other error ends
 * the stream with its status.
 *
 * Bounded: at most `leaseKeepAliveQueueMax` requests wait; past that the stream stops reading
 * (HTTP/2 flow control then holds the client back), and a response waits for the stream's
 * write buffer to drain before the next request is handled.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { isConcordError } from '../../base/errors.js';
import type { RequestOptions } from '../../node/api.js';
import { int64ToBigint } from '../convert/int64.js';
import { servedWithoutCaller } from '../http2/fast-path-stream.js';
import type { ResolvedOptions } from '../options.js';
import { statusOf } from '../status.js';
import { encodeLeaseKeepAlive } from '../wire/lease-keepalive-encoder.js';
import type { LeaseKeepAliveRequestIn, LeaseKeepAliveResponseOut } from '../wire/lease.js';
import type { PreEncoded } from '../wire/pre-encoded.js';
import { LeaderMonitor } from './require-leader.js';
import { ServerStream } from './server-stream.js';
import type { StreamRegistry } from './stream-registry.js';

type Response = LeaseKeepAliveResponseOut | PreEncoded;
type Call = ServerDuplexStream<LeaseKeepAliveRequestIn, Response>;

export function leaseKeepAliveHandler(
  options: ResolvedOptions,
  streams: StreamRegistry,
): (call: Call) => void {
  // A stream sent with `hasleader: true` ends once the member loses its leader.
  const monitor = new LeaderMonitor(options.api, options.electionTimeoutMs);
  // No member call here reads the guard's caller context (etcd checks no permission on a
  // keep-alive), so the HTTP/2 fast path may serve the stream (http2/fast-path-stream.ts).
  return servedWithoutCaller((call: Call) =>
    monitor.admit(call, () => new LeaseKeepAliveStream(call, options, streams).start()),
  );
}

class LeaseKeepAliveStream extends ServerStream<Response, Call> {
  private readonly pending: bigint[] = [];
  private running = false;
  private halfClosed = false;
  /**
   * The member's request options; the stream's abort signal is made only if the member reads
   * it (to wait). The leader renews without waiting, and clientv3's KeepAliveOnce opens a
   * stream per renewal.
   */
  private readonly requestOptions: RequestOptions = lazySignal(() => this.controller.signal);

  start(): void {
    if (!this.open()) return;
    this.listen('data', (request: LeaseKeepAliveRequestIn) => this.receive(request));
    this.listen('end', () => {
      this.halfClosed = true;
      void this.pump();
    });
  }

  private receive(request: LeaseKeepAliveRequestIn): void {
    if (this.finished) return;
    this.pending.push(int64ToBigint(request.ID));
    if (this.pending.length >= this.options.leaseKeepAliveQueueMax) this.call.pause();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.pending.shift(); id !== undefined; id = this.pending.shift()) {
        if (this.call.isPaused() && this.pending.length < this.options.leaseKeepAliveQueueMax) {
          this.call.resume();
        }
        if (!(await this.renew(id))) return;
      }
      if (this.halfClosed && !this.finished) {
        this.finish();
        this.call.end();
      }
    } finally {
      this.running = false;
    }
  }

  /** Renews one lease and writes the answer; false when the stream has ended. */
  private async renew(id: bigint): Promise<boolean> {
    const header = this.options.api.header();
    let ttl: number;
    try {
      ttl = (await this.options.api.leaseKeepAlive(id, this.requestOptions)).response.ttl;
    } catch (error) {
      if (this.finished) return false;
      if (!isConcordError(error, 'LeaseNotFound')) {
        this.fail(statusOf(error, this.options.onBug));
        return false;
      }
      ttl = 0;
    }
    if (this.finished) return false;
    await this.write(encodeLeaseKeepAlive(header, id, ttl));
    return !this.finished;
  }

  protected override finish(): void {
    super.finish();
    this.pending.length = 0;
  }
}

/** Request options whose signal is made on first read. */
function lazySignal(signal: () => AbortSignal): RequestOptions {
  return {
    get signal() {
      return signal();
    },
  };
}
