/**
 * What a Concord member offers its front doors (the gRPC server, the HTTP endpoints). The
 * server converts wire messages to these calls and their results back; it never reaches
 * past this interface into Raft, storage or the store.
 *
 * Errors: every method rejects with a ConcordError (src/base/errors.ts) whose code the
 * server maps to etcd's gRPC status and message; anything else is a bug.
 */
import type {
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

/** Per-request options the front door passes along. */
export interface RequestOptions {
  /** Aborts waiting (the request may still be applied). */
  readonly signal?: AbortSignal;
  /** At-most-once identity of a retried write (Concord's client sets it). */
  readonly identity?: { readonly clientId: string; readonly sequence: number };
}

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
  leaseTimeToLive(
    id: bigint,
    keys: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseTimeToLiveResult>>;
  leaseLeases(options?: RequestOptions): Promise<WithHeader<readonly bigint[]>>;

  /** Registers a watcher; compaction of the start revision is reported through the sink. */
  watch(create: WatchCreate, sink: WatchSink): WatchHandle;

  status(): Promise<MemberStatus>;
}
