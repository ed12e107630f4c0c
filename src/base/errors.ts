/**
 * Operating errors: the world misbehaving or a request Concord refuses. Each has a code from
 * one closed union; the server maps every code to a gRPC status and etcd's exact message in
 * one exhaustive table, so clients can match on them.
 */
export type ErrorCode =
  // Raft and proposals.
  | 'ProposalDropped'
  | 'NotLeader'
  | 'NoLeader'
  | 'LeaderChanged'
  | 'Stopped'
  | 'Timeout'
  | 'TimeoutDueToLeaderFail'
  | 'TimeoutDueToConnectionLost'
  | 'LeadershipTransferInProgress'
  | 'SnapshotTemporarilyUnavailable'
  | 'Compacted'
  | 'Unavailable'
  | 'TooManyRequests'
  | 'Canceled'
  // Storage.
  | 'Corrupt'
  | 'NoSpace'
  | 'Io'
  // Requests.
  | 'EmptyKey'
  | 'KeyNotFound'
  | 'ValueProvided'
  | 'LeaseProvided'
  | 'TooManyOps'
  | 'DuplicateKey'
  | 'RequestTooLarge'
  | 'LeaseNotFound'
  | 'LeaseExists'
  | 'LeaseTtlTooLarge'
  | 'RevisionCompacted'
  | 'FutureRevision'
  | 'InvalidSortOption'
  | 'InvalidArgument'
  // At-most-once sessions (src/mvcc/session-table.ts).
  | 'SessionExpired'
  | 'StaleSequence'
  // Auth (src/mvcc/auth, src/server/auth).
  | 'RootUserNotExist'
  | 'RootRoleNotExist'
  | 'UserAlreadyExist'
  | 'UserEmpty'
  | 'UserNotFound'
  | 'RoleAlreadyExist'
  | 'RoleNotFound'
  | 'RoleEmpty'
  | 'AuthFailed'
  | 'PermissionDenied'
  | 'RoleNotGranted'
  | 'PermissionNotGranted'
  | 'PermissionNotGiven'
  | 'AuthNotEnabled'
  | 'InvalidAuthToken'
  | 'InvalidAuthMgmt'
  | 'AuthOldRevision'
  // Membership and leadership.
  | 'MemberExists'
  | 'PeerUrlExists'
  | 'MemberNotFound'
  | 'MemberBadUrls'
  | 'MemberNotLearner'
  | 'LearnerNotReady'
  | 'TooManyLearners'
  | 'NotEnoughStartedMembers'
  | 'Unhealthy'
  | 'NotSupportedForLearner'
  | 'BadLeaderTransferee'
  | 'LeaderTransferTimeout'
  // The lock and election services (etcd's concurrency package errors).
  | 'LockSessionExpired'
  | 'ElectionNotLeader'
  | 'ElectionNoLeader'
  | 'ElectionMissingLeaderKey';

export class ConcordError extends Error {
  override name = 'ConcordError';

  constructor(
    readonly code: ErrorCode,
    message: string = code,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isConcordError(error: unknown, code?: ErrorCode): error is ConcordError {
  return error instanceof ConcordError && (code === undefined || error.code === code);
}
