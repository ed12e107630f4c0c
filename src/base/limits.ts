/**
 * Named limits, unit last. Defaults follow etcd's where etcd has the same knob; each can be
 * overridden by configuration, and configuration validation names the flag that sets it.
 */
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const limits = {
  /** --max-request-bytes: the largest client request (etcd: 1.5 MiB). */
  requestBytesMax: 1.5 * MiB,
  /** --max-txn-ops: operations in one Txn (etcd: 128). */
  txnOpsMax: 128,
  /** --quota-backend-bytes: past it a NOSPACE alarm (etcd: 2 GiB). */
  quotaBackendBytes: 2 * GiB,
  /** --max-concurrent-streams: HTTP/2 streams one client connection may open (etcd: 2^32-1). */
  concurrentStreamsMax: 0xffff_ffff,
  /** --max-connections: client connections (gRPC and HTTP/1) at once; more are closed. */
  connectionsMax: 10_000,
  /** --max-watchers-per-stream: watchers one Watch stream may create (each costs memory). */
  watchersPerStreamMax: 10_000,
  /** --max-leases: leases a member grants before refusing more (each costs memory and timers). */
  leasesMax: 1_000_000,
  /**
   * --max-waiting-calls: Lock, Campaign and Observe calls waiting at once on one member. Each
   * holds a watch (and a Lock or Campaign a queued key) for as long as its client likes.
   */
  waitingCallsMax: 10_000,
  /**
   * A user or role name, in UTF-8 bytes. Names are keys of the auth bucket, and LMDB refuses
   * keys past 1978 bytes: a longer name would fail every member's apply (etcd: bbolt's 32 KiB).
   */
  authNameBytesMax: 1024,
  /** Raft: the most bytes of entries in one append message (etcd's MaxSizePerMsg: 1 MiB). */
  raftMessageBytesMax: 1 * MiB,
  /** Raft: appends in flight to one follower before waiting for acks (etcd: 256). */
  raftInflightMessagesMax: 256,
  /** Raft: bytes in flight to one follower before waiting for acks. */
  raftInflightBytesMax: 16 * MiB,
  /** Raft: bytes of proposed, uncommitted entries a leader accepts before dropping more. */
  raftUncommittedBytesMax: 64 * MiB,
} as const;
