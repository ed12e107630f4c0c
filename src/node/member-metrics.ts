/**
 * What a member tells /metrics, without knowing Prometheus: the composition root
 * (src/server/metrics) reads a `MemberMetrics` snapshot at each scrape and receives durations
 * through a `MemberObserver` as they are measured. Counting is a `++` on a plain number in
 * code that already runs, so the hot path pays nothing for metrics it is not asked for.
 */

/** Durations, reported as they are measured (each becomes a histogram sample). */
export interface MemberObserver {
  /** One WAL fdatasync (etcd_disk_wal_fsync_duration_seconds). */
  walFsync(seconds: number): void;
  /** One backend write transaction (etcd_disk_backend_commit_duration_seconds). */
  backendCommit(seconds: number): void;
  /** A ping to a peer answered (etcd_network_peer_round_trip_time_seconds). */
  peerRoundTrip(peer: bigint, seconds: number): void;
}

export const noObserver: MemberObserver = {
  walFsync: () => undefined,
  backendCommit: () => undefined,
  peerRoundTrip: () => undefined,
};

/** Events a member counts (since it started, as etcd's counters). */
export class MemberCounters {
  /** Changes to a known leader (etcd counts only those, not losing one). */
  leaderChangesSeen = 0;
  /** Proposals that timed out, were cancelled or dropped before being applied. */
  proposalsFailed = 0;
  /** Apply passes slower than --warning-apply-duration. */
  slowApplies = 0;
  leasesGranted = 0;
  leasesRevoked = 0;
  /** Renewals this member made as leader. */
  leasesRenewed = 0;
  /** Leases this member, as leader, found expired and proposed to revoke. */
  leasesExpired = 0;
  /** Retried writes the at-most-once session table answered without applying again. */
  atMostOnceDuplicates = 0;
}

export interface PeerMetrics {
  readonly id: bigint;
  readonly connected: boolean;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

/** A member's state as /metrics reports it; cheap to take (no I/O beyond a stat). */
export interface MemberMetrics {
  readonly memberId: bigint;
  readonly version: string;
  /** 0n when no leader is known. */
  readonly leader: bigint;
  readonly isLearner: boolean;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** Proposals waiting for their outcome. */
  readonly proposalsPending: number;
  readonly dbSizeBytes: number;
  readonly dbSizeInUseBytes: number;
  readonly quotaBackendBytes: number;
  readonly currentRevision: number;
  readonly compactRevision: number;
  readonly watchers: number;
  readonly leases: number;
  readonly counters: Readonly<MemberCounters>;
  readonly peers: readonly PeerMetrics[];
}
