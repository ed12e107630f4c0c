/**
 * etcd's "require leader" streams (server/etcdserver/api/v3rpc/interceptor.go): a client that
 * sends the gRPC metadata `hasleader: true` on a Watch or LeaseKeepAlive stream (clientv3's
 * WithRequireLeader, etcdctl's watch, Concord's own client) asks the member to end the stream
 * rather than let it go quiet while the member is cut off from its cluster, so the client
 * moves to another member.
 *
 * - Creating such a stream on a member that knows no leader is refused with UNAVAILABLE
 *   "etcdserver: no leader".
 * - Open ones are watched (etcd's monitorLeader): every election timeout the member's leader
 *   is checked; once it has been missing at `noLeaderChecksMax` (3, etcd's maxNoLeaderCnt)
 *   checks in a row, every such stream ends with that status. So a stream ends between 2 and
 *   3 election timeouts after the member loses its leader (plus a check's own delay), never
 *   on one missed heartbeat: reconnecting costs more than refusing a new stream.
 *
 * Streams without the metadata are untouched, as with etcd. The check's timer runs only while
 * such streams are open, so a server without them has no timer.
 */
import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import type { ConcordApi } from '../../node/api.js';
import { metadataValues, type RequestHeaders } from '../request-identity.js';
import { codeStatus } from '../status.js';

/** etcd's rpctypes.MetadataRequireLeaderKey and MetadataHasLeader. */
export const requireLeaderKey = 'hasleader';
const hasLeaderValue = 'true';

/** etcd's maxNoLeaderCnt. */
export const noLeaderChecksMax = 3;

type Call = ServerDuplexStream<unknown, unknown>;

/**
 * True when the client asked for the stream to end once the member has no leader. A fast
 * path stream answers from its headers (../request-identity.ts): parsing a Metadata per
 * keep-alive stream was ~1.9% of the leader's busy time under lease-keepalive.
 */
export function requiresLeader(call: { readonly metadata: Metadata } | RequestHeaders): boolean {
  return metadataValues(call, requireLeaderKey).some((value) => String(value) === hasLeaderValue);
}

export class LeaderMonitor {
  private readonly calls = new Set<Call>();
  private timer: NodeJS.Timeout | undefined;
  /** Consecutive checks that found no leader. */
  private missed = 0;

  constructor(
    private readonly api: ConcordApi,
    private readonly electionTimeoutMs: number,
  ) {}

  /**
   * Calls `start` for the stream unless it requires a leader and the member has none (then the
   * call ends with "etcdserver: no leader"). A stream that requires one is watched until its
   * call ends.
   */
  admit(call: Call, start: () => void): void {
    if (!requiresLeader(call)) {
      start();
      return;
    }
    void this.api.status().then(
      (status) => {
        if (call.cancelled) return;
        if (status.leader === 0n) {
          call.emit('error', codeStatus('NoLeader'));
          return;
        }
        this.watch(call);
        start();
      },
      () => call.emit('error', codeStatus('NoLeader')),
    );
  }

  private watch(call: Call): void {
    this.calls.add(call);
    const forget = (): void => {
      if (!this.calls.delete(call)) return;
      if (this.calls.size === 0) this.stop();
    };
    // addListener: forgetting makes no member call, so it need not be bound to the caller's
    // context as the auth guard binds each call.on (and call.once) listener.
    call.addListener('cancelled', forget);
    call.addListener('error', forget);
    call.addListener('finish', forget);
    if (this.timer === undefined) {
      this.missed = 0;
      this.timer = setInterval(() => void this.check(), this.electionTimeoutMs);
      this.timer.unref();
    }
  }

  private async check(): Promise<void> {
    const { leader } = await this.api.status().catch(() => ({ leader: 0n }));
    this.missed = leader === 0n ? this.missed + 1 : 0;
    if (this.missed < noLeaderChecksMax) return;
    // Each call's own 'error' listeners end its stream's work (watchers, keep-alives).
    for (const call of [...this.calls]) call.emit('error', codeStatus('NoLeader'));
    this.calls.clear();
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
