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
import type { RequestOptions, ResponseHeader } from '../../node/api.js';
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

  start(): void {
    if (!this.open()) return;
    // No member call of a keep-alive reads its caller (see leaseKeepAliveHandler), so its
    // listeners need not run as one (listen()'s AsyncResource).
    this.call.addListener('data', (request: LeaseKeepAliveRequestIn) => this.receive(request));
    this.call.addListener('end', () => {
      this.halfClosed = true;
      this.pump();
    });
  }

  private receive(request: LeaseKeepAliveRequestIn): void {
    if (this.finished) return;
    this.pending.push(int64ToBigint(request.ID));
    if (this.pending.length >= this.options.leaseKeepAliveQueueMax) this.call.pause();
    this.pump();
  }

  /**
   * Answers the pending requests in order. A renewal the member makes at once (a caught-up
   * leader's) is answered in the same turn; one that waits (a follower's, a checkpoint's
   * reset, a full write buffer) holds back those behind it until it is answered.
   */
  private pump(): void {
    if (this.running) return;
    this.running = true;
    for (let id = this.pending.shift(); id !== undefined; id = this.pending.shift()) {
      if (this.call.isPaused() && this.pending.length < this.options.leaseKeepAliveQueueMax) {
        this.call.resume();
      }
      let open: boolean | Promise<boolean>;
      try {
        open = this.renew(id);
      } catch (error) {
        this.fail(statusOf(error, this.options.onBug));
        open = false;
      }
      if (open === true) continue;
      if (open === false) {
        this.running = false;
        return;
      }
      void open.then((more) => {
        this.running = false;
        if (more) this.pump();
      });
      return;
    }
    if (this.halfClosed && !this.finished) {
      this.finish();
      this.call.end();
    }
    this.running = false;
  }

  /**
   * Renews one lease and writes the answer: whether the stream goes on, or a promise of it
   * when the renewal or the write waits.
   */
  private renew(id: bigint): boolean | Promise<boolean> {
    // Made at once, the renewal's own header is the one taken before it (nothing ran between).
    const now = this.options.api.leaseKeepAliveNow(id);
    if (now !== undefined) return this.answer(now.header, id, now.response.ttl);
    return this.renewWaiting(id, this.options.api.header());
  }

  private async renewWaiting(id: bigint, header: ResponseHeader): Promise<boolean> {
    let ttl: number;
    try {
      // The stream's abort signal is made only here: a caught-up leader renews without one.
      const options: RequestOptions = { signal: this.controller.signal };
      ttl = (await this.options.api.leaseKeepAlive(id, options)).response.ttl;
    } catch (error) {
      if (this.finished) return false;
      if (!isConcordError(error, 'LeaseNotFound')) {
        this.fail(statusOf(error, this.options.onBug));
        return false;
      }
      ttl = 0;
    }
    return this.answer(header, id, ttl);
  }

  private answer(header: ResponseHeader, id: bigint, ttl: number): boolean | Promise<boolean> {
    if (this.finished) return false;
    if (this.call.write(encodeLeaseKeepAlive(header, id, ttl))) return !this.finished;
    return this.drained().then(() => !this.finished);
  }

  protected override finish(): void {
    super.finish();
    this.pending.length = 0;
  }
}
