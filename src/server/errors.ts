/**
 * The one map from Concord's error codes to what an etcd client sees: a gRPC status code and
 * etcd's exact message (api/v3rpc/rpctypes/error.go, or the text etcd's server passes through
 * unmapped as codes.Unknown). Clients match on these strings (clientv3's rpctypes.Error), so
 * they are copied byte for byte; test/server/errors.test.ts pins each one.
 *
 * `Record<ErrorCode, ...>` makes the table exhaustive: a new code does not compile until it
 * has a row here.
 */
import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '../base/errors.js';

export interface WireError {
  readonly status: status;
  readonly message: string;
  /**
   * The code has no etcd equivalent string: the ConcordError's own message is sent instead of
   * `message` (which is then only the fallback for an error created without one).
   */
  readonly ownMessage?: true;
}

export const errorTable: Readonly<Record<ErrorCode, WireError>> = {
  // Raft and proposals. etcd passes raft's own errors through unmapped, as codes.Unknown.
  ProposalDropped: { status: status.UNKNOWN, message: 'raft proposal dropped' },
  // A leader refuses proposals while it hands over leadership: raft drops them.
  LeadershipTransferInProgress: { status: status.UNKNOWN, message: 'raft proposal dropped' },
  NotLeader: { status: status.FAILED_PRECONDITION, message: 'etcdserver: not leader' },
  NoLeader: { status: status.UNAVAILABLE, message: 'etcdserver: no leader' },
  LeaderChanged: { status: status.UNAVAILABLE, message: 'etcdserver: leader changed' },
  Stopped: { status: status.UNAVAILABLE, message: 'etcdserver: server stopped' },
  Timeout: { status: status.UNAVAILABLE, message: 'etcdserver: request timed out' },
  TimeoutDueToLeaderFail: {
    status: status.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to previous leader failure',
  },
  TimeoutDueToConnectionLost: {
    status: status.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to connection lost',
  },
  SnapshotTemporarilyUnavailable: {
    status: status.UNKNOWN,
    message: 'snapshot is temporarily unavailable',
  },
  Compacted: {
    status: status.UNKNOWN,
    message: 'requested index is unavailable due to compaction',
  },
  Unavailable: { status: status.UNKNOWN, message: 'requested entry at index is unavailable' },
  TooManyRequests: { status: status.RESOURCE_EXHAUSTED, message: 'etcdserver: too many requests' },
  Canceled: { status: status.CANCELLED, message: 'etcdserver: request canceled' },

  // Storage.
  Corrupt: { status: status.DATA_LOSS, message: 'etcdserver: corrupt cluster' },
  NoSpace: {
    status: status.RESOURCE_EXHAUSTED,
    message: 'etcdserver: mvcc: database space exceeded',
  },
  // etcd panics on a backend I/O error; Concord answers, with its own words.
  Io: { status: status.UNAVAILABLE, message: 'concord: storage i/o error', ownMessage: true },

  // Requests.
  EmptyKey: { status: status.INVALID_ARGUMENT, message: 'etcdserver: key is not provided' },
  KeyNotFound: { status: status.INVALID_ARGUMENT, message: 'etcdserver: key not found' },
  ValueProvided: { status: status.INVALID_ARGUMENT, message: 'etcdserver: value is provided' },
  LeaseProvided: { status: status.INVALID_ARGUMENT, message: 'etcdserver: lease is provided' },
  TooManyOps: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: too many operations in txn request',
  },
  DuplicateKey: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: duplicate key given in txn request',
  },
  RequestTooLarge: { status: status.INVALID_ARGUMENT, message: 'etcdserver: request is too large' },
  LeaseNotFound: { status: status.NOT_FOUND, message: 'etcdserver: requested lease not found' },
  LeaseExists: { status: status.FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  LeaseTtlTooLarge: { status: status.OUT_OF_RANGE, message: 'etcdserver: too large lease TTL' },
  RevisionCompacted: {
    status: status.OUT_OF_RANGE,
    message: 'etcdserver: mvcc: required revision has been compacted',
  },
  FutureRevision: {
    status: status.OUT_OF_RANGE,
    message: 'etcdserver: mvcc: required revision is a future revision',
  },
  InvalidSortOption: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: invalid sort option',
  },
  // Requests etcd would not reject the same way (e.g. an enum value our .proto does not know).
  InvalidArgument: {
    status: status.INVALID_ARGUMENT,
    message: 'concord: invalid argument',
    ownMessage: true,
  },

  // At-most-once sessions: Concord's own (etcd has none). FAILED_PRECONDITION, which etcd's
  // clients do not retry: the client must decide (a new session, or report the outcome unknown).
  SessionExpired: {
    status: status.FAILED_PRECONDITION,
    message: 'concord: client session expired',
    ownMessage: true,
  },
  StaleSequence: {
    status: status.FAILED_PRECONDITION,
    message: 'concord: request already applied; its result is no longer kept',
    ownMessage: true,
  },

  // Auth (rpctypes/error.go; AuthOldRevision and PermissionNotGiven as v3rpc/util.go maps them).
  RootUserNotExist: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: root user does not exist',
  },
  RootRoleNotExist: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: root user does not have root role',
  },
  UserAlreadyExist: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: user name already exists',
  },
  UserEmpty: { status: status.INVALID_ARGUMENT, message: 'etcdserver: user name is empty' },
  UserNotFound: { status: status.FAILED_PRECONDITION, message: 'etcdserver: user name not found' },
  RoleAlreadyExist: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: role name already exists',
  },
  RoleNotFound: { status: status.FAILED_PRECONDITION, message: 'etcdserver: role name not found' },
  RoleEmpty: { status: status.INVALID_ARGUMENT, message: 'etcdserver: role name is empty' },
  AuthFailed: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: authentication failed, invalid user ID or password',
  },
  PermissionDenied: { status: status.PERMISSION_DENIED, message: 'etcdserver: permission denied' },
  RoleNotGranted: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: role is not granted to the user',
  },
  PermissionNotGranted: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: permission is not granted to the role',
  },
  PermissionNotGiven: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: permission not given',
  },
  AuthNotEnabled: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: authentication is not enabled',
  },
  InvalidAuthToken: { status: status.UNAUTHENTICATED, message: 'etcdserver: invalid auth token' },
  InvalidAuthMgmt: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: invalid auth management',
  },
  AuthOldRevision: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: revision of auth store is old',
  },

  // Membership and leadership (etcd's membership errors, mapped by v3rpc's togRPCError).
  MemberExists: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: member ID already exist',
  },
  PeerUrlExists: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: Peer URLs already exists',
  },
  MemberNotFound: { status: status.NOT_FOUND, message: 'etcdserver: member not found' },
  MemberBadUrls: {
    status: status.INVALID_ARGUMENT,
    message: 'etcdserver: given member URLs are invalid',
  },
  MemberNotLearner: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member',
  },
  LearnerNotReady: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member which is in sync with leader',
  },
  TooManyLearners: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: too many learner members in cluster',
  },
  // etcd maps this one to the client-side rpctypes.ErrMemberNotEnoughStarted, which is not a
  // gRPC status, so grpc-go sends it as codes.Unknown; clients match on the text.
  NotEnoughStartedMembers: {
    status: status.UNKNOWN,
    message: 'etcdserver: re-configuration failed due to not enough started members',
  },
  Unhealthy: { status: status.UNAVAILABLE, message: 'etcdserver: unhealthy cluster' },
  NotSupportedForLearner: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: rpc not supported for learner',
  },
  BadLeaderTransferee: {
    status: status.FAILED_PRECONDITION,
    message: 'etcdserver: bad leader transferee',
  },
  // Not in etcd's map either: it goes out as codes.Unknown with etcdserver's text.
  LeaderTransferTimeout: {
    status: status.UNKNOWN,
    message: 'etcdserver: request timed out, leader transfer took too long',
  },

  // The lock and election services. etcd's v3lock and v3election servers return the errors of
  // its client-side concurrency package unmapped, so grpc-go sends them as codes.Unknown.
  LockSessionExpired: { status: status.UNKNOWN, message: 'mutex: session is expired' },
  ElectionNotLeader: { status: status.UNKNOWN, message: 'election: not leader' },
  ElectionNoLeader: { status: status.UNKNOWN, message: 'election: no leader' },
  ElectionMissingLeaderKey: { status: status.UNKNOWN, message: '"leader" field must be provided' },
};
