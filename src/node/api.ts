/**
 * What a Concord member offers its front doors (the gRPC server, the HTTP endpoints). The
 * server converts wire messages to these calls and their results back; it never reaches
 * past this interface into Raft, storage or the store.
 *
 * Errors: every method rejects with a ConcordError (src/base/errors.ts) whose code the
 * server maps to etcd's gRPC status and message; anything else is a bug.
 */
import type {
  AlarmMember,
  AlarmRequest,
  AlarmType,
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
} from '../mvcc/types.js';
import type { AuthStoreView } from '../mvcc/auth/auth-store.js';
import type { AuthInfo, AuthRequest, AuthResponse } from '../mvcc/auth/types.js';

/** Carried by every response (etcdserverpb.ResponseHeader). */
export interface ResponseHeader {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  /** The store's revision when the request was served. */
  readonly revision: number;
  readonly raftTerm: number;
}

export interface WithHeader<T> {
  readonly header: ResponseHeader;
  readonly response: T;
}

/**
 * What waiting on a request needs of its client's cancellation: the part of AbortSignal the
 * member uses. An AbortSignal is one; the server's unary calls pass a lighter object
 * (src/server/services/unary.ts), because an AbortController and an EventTarget listener per
 * write cost more than the rest of the wait.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: AbortListener, options: { once: true }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/** An 'abort' listener, as an object (no closure per wait: src/node/deadline.ts). */
export interface AbortListener {
  handleEvent(): void;
}

/** Per-request options the front door passes along. */
export interface RequestOptions {
  /** Aborts waiting (the request may still be applied). */
  readonly signal?: CancelSignal;
  /** At-most-once identity of a retried write (Concord's client sets it). */
  readonly identity?: { readonly clientId: string; readonly sequence: number };
  /**
   * Who a client's request speaks for, with the auth revision its permissions were checked
   * at (the server sets it on every client request; src/server/auth). A write carries it
   * through Raft and apply checks it again. Absent: the member's own request, not checked.
   */
  readonly auth?: AuthInfo;
}

/** Hears each auth request applied on this member (every member applies every one). */
export type AuthAppliedListener = (request: AuthRequest, response: AuthResponse) => void;

export interface LeaseGrantResult {
  readonly id: bigint;
  readonly ttl: number;
}

export interface LeaseTimeToLiveResult {
  readonly id: bigint;
  /** Remaining seconds; -1 if the lease does not exist (etcd's convention). */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: readonly Uint8Array[];
}

export interface WatchCreate {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  /** The first revision to report; 0 means "from the next revision". */
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
}

/** Where a watcher's output goes. Called synchronously by the member; must not throw. */
export interface WatchSink {
  /**
   * Events of one or more revisions, in order, never splitting a revision. Returns false when
   * the consumer is full: the member stops sending and catches the watcher up later.
   */
  events(events: readonly Event[], revision: number): boolean;
  /** The watcher ended: compacted start revision (with the compact revision) or shutdown. */
  canceled(reason: { readonly compactRevision?: number; readonly message: string }): void;
}

export interface WatchHandle {
  cancel(): void;
  /** The revision up to which this watcher has been sent everything (for progress notify). */
  progressRevision(): number;
  /** True when the watcher is caught up (a progress notification may be sent). */
  synced(): boolean;
  /**
   * The sink refused events (`events` answered false) and has room again: catch up now, not
   * at the member's next periodic step.
   */
  resume?(): void;
}

export interface MemberStatus {
  readonly header: ResponseHeader;
  readonly version: string;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly leader: bigint;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly errors: readonly string[];
  readonly isLearner: boolean;
}

/** A member of the cluster, as etcdserverpb.Member carries it. */
export interface ClusterMember {
  readonly id: bigint;
  /** Empty until the member has started and published its name (etcdctl shows "unstarted"). */
  readonly name: string;
  /** Sorted, as etcd keeps them. */
  readonly peerUrls: readonly string[];
  /** Empty until the member has started and published them. */
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export interface MemberAddResult {
  /** The new member: its ID, peer URLs and learner flag (no name or client URLs yet). */
  readonly added: ClusterMember;
  /** Every member after the change, the new one included. */
  readonly members: readonly ClusterMember[];
}

export interface HashKvResult {
  /** CRC32C over the key-value history in (compactRevision, hashRevision]. */
  readonly hash: number;
  /** The store's compacted revision when the hash was taken. */
  readonly compactRevision: number;
  /** The revision hashed up to (the requested one, or the current one for 0). */
  readonly hashRevision: number;
}

/** A consistent point-in-time copy of the member's database. */
export interface SnapshotReader {
  /** Exactly how many bytes `chunks` yields. */
  readonly size: number;
  /**
   * The bytes, in order, in chunks of any size. The consumer may stop early (its `return()`
   * releases what the snapshot holds); it iterates at most once.
   */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** Alarms are replicated state: the store's types are the API's. */
export type { AlarmMember, AlarmRequest, AlarmType };

export interface ConcordApi {
  header(): ResponseHeader;

  range(request: RangeRequest, options?: RequestOptions): Promise<WithHeader<RangeResponse>>;
  put(request: PutRequest, options?: RequestOptions): Promise<WithHeader<PutResponse>>;
  deleteRange(
    request: DeleteRangeRequest,
    options?: RequestOptions,
  ): Promise<WithHeader<DeleteRangeResponse>>;
  txn(request: TxnRequest, options?: RequestOptions): Promise<WithHeader<TxnResponse>>;
  compact(request: CompactionRequest, options?: RequestOptions): Promise<WithHeader<void>>;

  /** `id` 0n lets the member choose. */
  leaseGrant(
    id: bigint,
    ttl: number,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseGrantResult>>;
  leaseRevoke(id: bigint, options?: RequestOptions): Promise<WithHeader<void>>;
  /** Renews the lease; resolves its TTL (0 if it does not exist, as etcd answers). */
  leaseKeepAlive(id: bigint, options?: RequestOptions): Promise<WithHeader<LeaseGrantResult>>;
  /**
   * leaseKeepAlive's answer if the member can give it without waiting (a caught-up leader),
   * else undefined: then leaseKeepAlive gives it.
   */
  leaseKeepAliveNow(id: bigint): WithHeader<LeaseGrantResult> | undefined;
  leaseTimeToLive(
    id: bigint,
    keys: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseTimeToLiveResult>>;
  leaseLeases(options?: RequestOptions): Promise<WithHeader<readonly bigint[]>>;

  /** Registers a watcher; compaction of the start revision is reported through the sink. */
  watch(create: WatchCreate, sink: WatchSink): WatchHandle;

  status(): Promise<MemberStatus>;

  // ---- Cluster (membership). The server fills the response header's revision with 0, as
  // etcd's cluster server does; only clusterId, memberId and raftTerm of `header` are used.
  // Errors as etcd's: 'MemberNotFound', 'MemberExists', 'PeerUrlExists', 'MemberNotLearner',
  // 'LearnerNotReady', 'TooManyLearners', 'NotEnoughStartedMembers', 'Unhealthy', and the
  // proposal errors ('NoLeader', 'Timeout', 'Stopped', ...).

  /**
   * Every member. `linearizable` (MemberListRequest.linearizable): answer only after a
   * ReadIndex round, so a change acknowledged anywhere before the call is included.
   */
  memberList(
    linearizable: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>>;
  /**
   * Adds a member (a learner if `isLearner`) through a Raft configuration change and resolves
   * once it is applied. `peerUrls` are already validated and sorted by the server (etcd's
   * types.NewURLs); the member chooses the new ID (etcd: from the URLs, cluster name, time).
   * Errors: 'PeerUrlExists', 'MemberExists', 'TooManyLearners', 'NotEnoughStartedMembers'
   * (a voter would leave too few started members for quorum), 'Unhealthy' (this member is not
   * connected to a quorum).
   */
  memberAdd(
    peerUrls: readonly string[],
    isLearner: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<MemberAddResult>>;
  /**
   * Removes a member; resolves the members left. Errors: 'MemberNotFound' (unknown or already
   * removed), 'NotEnoughStartedMembers', 'Unhealthy' (removal would break the active quorum).
   */
  memberRemove(id: bigint, options?: RequestOptions): Promise<WithHeader<readonly ClusterMember[]>>;
  /**
   * Replaces a member's peer URLs (validated and sorted by the server). Errors:
   * 'MemberNotFound', 'PeerUrlExists' (another member has one of them).
   */
  memberUpdate(
    id: bigint,
    peerUrls: readonly string[],
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>>;
  /**
   * Promotes a learner to a voter. Only the leader knows whether the learner has caught up
   * (etcd: its match index is at least 90% of the leader's); a follower forwards the request
   * to the leader. Errors: 'MemberNotFound', 'MemberNotLearner', 'LearnerNotReady',
   * 'NotEnoughStartedMembers'.
   */
  memberPromote(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>>;

  // ---- Maintenance.

  /**
   * A hash of the member's whole database (etcd's Hash: the backend's bytes), uint32;
   * header.revision is the store revision the hash reflects. Members with the same data may
   * still differ here (layout); HashKV is the one to compare across members.
   */
  hash(options?: RequestOptions): Promise<WithHeader<number>>;
  /**
   * A hash of the key-value history up to `revision` (0: the current revision), computed the
   * same way on every member so they can be compared (etcd's corruption check).
   * header.revision is the current revision. Errors: 'RevisionCompacted', 'FutureRevision'.
   */
  hashKv(revision: number, options?: RequestOptions): Promise<WithHeader<HashKvResult>>;
  /**
   * A consistent copy of the member's database, for `etcdctl snapshot save` and backups.
   * The server streams it in 32 KiB messages and appends the sha256 of the bytes it sent, as
   * etcd does. It also pads with zero bytes to a multiple of 512 before the sha256, because
   * etcdctl's save rejects a file whose size is not a multiple of 512 plus 32 (etcd's bbolt
   * files are page-aligned): a snapshot's format must therefore carry its own length, and a
   * restore must ignore up to 511 trailing zero bytes.
   */
  snapshot(options?: RequestOptions): Promise<SnapshotReader>;
  /**
   * Transfers leadership to `target` and resolves once it leads (this member must lead; the
   * server checks that first, as etcd's maintenance server does). Errors: 'NotLeader',
   * 'BadLeaderTransferee' (not a voting member), 'LeaderTransferTimeout'.
   */
  moveLeader(target: bigint, options?: RequestOptions): Promise<void>;
  /**
   * Alarms, through consensus as etcd's are (every member applies the same alarm set).
   * GET: the active alarms of type `alarm` ('NONE': all). ACTIVATE: raises `alarm` for
   * `memberId` and resolves it (already active: the existing one; 'NONE': nothing).
   * DEACTIVATE: clears it and resolves it (nothing if it was not active). Clearing NOSPACE
   * lets writes through again.
   */
  alarm(
    request: AlarmRequest,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly AlarmMember[]>>;
  /**
   * The alarms this member has applied, read locally without a consensus round (for /health
   * and /readyz, which must answer while there is no leader). Synchronous; never throws.
   */
  activeAlarms(): readonly AlarmMember[];
  /** Compacts the member's database file, returning free space to the file system. */
  defragment(options?: RequestOptions): Promise<void>;

  // ---- Auth (replicated state: src/mvcc/auth).

  /**
   * An auth change, or Authenticate, through Raft. Errors: etcd's auth errors
   * ('UserNotFound', 'RoleAlreadyExist', 'PermissionDenied', 'AuthOldRevision', ...).
   */
  auth(request: AuthRequest, options?: RequestOptions): Promise<WithHeader<AuthResponse>>;
  /** The applied auth state, after a ReadIndex round when `linearizable`. */
  authStore(linearizable: boolean, options?: RequestOptions): Promise<WithHeader<AuthStoreView>>;
  /** The applied auth state now, synchronously (for checks on every request). */
  authView(): AuthStoreView;
  /** Subscribes to applied auth requests; returns the unsubscribe function. */
  onAuthApplied(listener: AuthAppliedListener): () => void;
}
