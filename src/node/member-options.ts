import type { Clock } from '../env/clock.js';
import type { Disk } from '../env/disk.js';
import type { TlsCredentials } from '../env/tls/tls-credentials.js';
import type { Logger } from '../env/logger.js';
import type { InitialMember } from './bootstrap.js';
import type { MemberObserver } from './member-metrics.js';

export type LogFn = (line: string, fields?: object) => void;

/** Everything a member needs, injected (ports, not globals) and with every limit named. */
export interface MemberOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly disk: Disk;
  readonly clock: Clock;
  /** The initial cluster, this member included (ignored when the data dir exists). */
  readonly initialCluster: readonly Omit<InitialMember, 'id'>[];
  readonly initialClusterToken: string;
  /** This member's advertised client URLs (published to the cluster for member lists). */
  readonly clientUrls: readonly string[];
  /** Where to accept peers (--listen-peer-urls); none: a member that never clusters. */
  readonly listenPeerUrls?: readonly URL[];
  /** Peer TLS (--peer-* flags): required for https:// peer URLs (src/transport/peer-tls.ts). */
  readonly peerTls?: TlsCredentials;
  /** This member's advertised peer URLs (--initial-advertise-peer-urls). */
  readonly peerUrls: readonly string[];
  /** 'new' bootstraps a cluster; 'existing' joins one after MemberAdd (etcd's flag). */
  readonly initialClusterState: 'new' | 'existing';
  readonly heartbeatMs: number;
  readonly electionMs: number;
  /** Applied entries between snapshots (etcd's --snapshot-count). */
  readonly snapshotCount: number;
  /** Entries kept behind a snapshot for slow followers (etcd: 5000). */
  readonly catchUpEntries?: number;
  /** Past this the member raises NOSPACE and refuses writes (--quota-backend-bytes). */
  readonly quotaBackendBytes: number;
  /** A request waits at most this long for its outcome (etcd: 5 s + 2 election timeouts). */
  readonly requestTimeoutMs?: number;
  /**
   * How often the leader considers checkpointing leases' remaining TTLs through Raft (which
   * it does only for leases not renewed on time: lease-deadlines.ts). etcd checkpoints every
   * 5 minutes; checkpointing lapsing leases often is what lets their countdown survive a
   * restart or a change of leader.
   */
  readonly leaseCheckpointMs?: number;
  /** Proposals waiting at once, at most. */
  readonly pendingProposalsMax?: number;
  /** Where the member logs (default: nowhere). Lines carry term and leader where they matter. */
  readonly logger?: Logger;
  /** Durations measured as they happen, for /metrics (default: dropped). */
  readonly observer?: MemberObserver;
  /**
   * An apply pass slower than this is logged ("apply request took too long") and counted
   * (etcd's --warning-apply-duration: 100 ms).
   */
  readonly warningApplyDurationMs?: number;
  readonly version: string;
}

export const memberDefaults = {
  catchUpEntries: 5000,
  leaseCheckpointMs: 500,
  pendingProposalsMax: 100_000,
  /** How often the leader looks for expired leases (etcd: 500 ms). */
  leaseCheckMs: 500,
  /** Lease revokes proposed per check, at most (etcd revokes 1000 per second). */
  leaseRevokesPerCheck: 500,
  /** How often compaction and watch catch-up take a bounded step. */
  backgroundStepMs: 50,
  compactionBatch: 1000,
  /** How stale the database size may be when checking the quota. */
  dbSizeRefreshMs: 100,
  watchSyncBatch: 1000,
  warningApplyDurationMs: 100,
  /** A WAL fdatasync slower than this is logged (etcd's warnSyncDuration: 1 s). */
  warningFsyncDurationMs: 1000,
} as const;
