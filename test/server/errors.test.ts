import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ConcordError } from '../../src/base/errors.js';
import type { ErrorCode } from '../../src/base/errors.js';
import { errorTable } from '../../src/server/errors.js';
import { statusOf } from '../../src/server/status.js';

// etcd's gRPC errors, copied from api/v3rpc/rpctypes/error.go (and, for errors etcd passes
// through unmapped as codes.Unknown, from etcd-io/raft's error strings). The table must match.
const etcd: Record<string, { code: status; message: string }> = {
  EmptyKey: { code: status.INVALID_ARGUMENT, message: 'etcdserver: key is not provided' },
  KeyNotFound: { code: status.INVALID_ARGUMENT, message: 'etcdserver: key not found' },
  ValueProvided: { code: status.INVALID_ARGUMENT, message: 'etcdserver: value is provided' },
  LeaseProvided: { code: status.INVALID_ARGUMENT, message: 'etcdserver: lease is provided' },
  TooManyOps: {
    code: status.INVALID_ARGUMENT,
    message: 'etcdserver: too many operations in txn request',
  },
  DuplicateKey: {
    code: status.INVALID_ARGUMENT,
    message: 'etcdserver: duplicate key given in txn request',
  },
  InvalidSortOption: { code: status.INVALID_ARGUMENT, message: 'etcdserver: invalid sort option' },
  // Auth: rpctypes/error.go, and v3rpc/util.go's ErrGRPCAuthOldRevision/PermissionNotGiven.
  RootUserNotExist: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: root user does not exist',
  },
  RootRoleNotExist: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: root user does not have root role',
  },
  UserAlreadyExist: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: user name already exists',
  },
  UserEmpty: { code: status.INVALID_ARGUMENT, message: 'etcdserver: user name is empty' },
  UserNotFound: { code: status.FAILED_PRECONDITION, message: 'etcdserver: user name not found' },
  RoleAlreadyExist: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: role name already exists',
  },
  RoleNotFound: { code: status.FAILED_PRECONDITION, message: 'etcdserver: role name not found' },
  RoleEmpty: { code: status.INVALID_ARGUMENT, message: 'etcdserver: role name is empty' },
  AuthFailed: {
    code: status.INVALID_ARGUMENT,
    message: 'etcdserver: authentication failed, invalid user ID or password',
  },
  PermissionDenied: { code: status.PERMISSION_DENIED, message: 'etcdserver: permission denied' },
  RoleNotGranted: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: role is not granted to the user',
  },
  PermissionNotGranted: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: permission is not granted to the role',
  },
  PermissionNotGiven: { code: status.INVALID_ARGUMENT, message: 'etcdserver: permission not given' },
  AuthNotEnabled: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: authentication is not enabled',
  },
  InvalidAuthToken: { code: status.UNAUTHENTICATED, message: 'etcdserver: invalid auth token' },
  InvalidAuthMgmt: { code: status.INVALID_ARGUMENT, message: 'etcdserver: invalid auth management' },
  AuthOldRevision: {
    code: status.INVALID_ARGUMENT,
    message: 'etcdserver: revision of auth store is old',
  },
  RevisionCompacted: {
    code: status.OUT_OF_RANGE,
    message: 'etcdserver: mvcc: required revision has been compacted',
  },
  FutureRevision: {
    code: status.OUT_OF_RANGE,
    message: 'etcdserver: mvcc: required revision is a future revision',
  },
  NoSpace: {
    code: status.RESOURCE_EXHAUSTED,
    message: 'etcdserver: mvcc: database space exceeded',
  },
  LeaseNotFound: { code: status.NOT_FOUND, message: 'etcdserver: requested lease not found' },
  LeaseExists: { code: status.FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  LeaseTtlTooLarge: { code: status.OUT_OF_RANGE, message: 'etcdserver: too large lease TTL' },
  RequestTooLarge: { code: status.INVALID_ARGUMENT, message: 'etcdserver: request is too large' },
  TooManyRequests: { code: status.RESOURCE_EXHAUSTED, message: 'etcdserver: too many requests' },
  NoLeader: { code: status.UNAVAILABLE, message: 'etcdserver: no leader' },
  NotLeader: { code: status.FAILED_PRECONDITION, message: 'etcdserver: not leader' },
  LeaderChanged: { code: status.UNAVAILABLE, message: 'etcdserver: leader changed' },
  Stopped: { code: status.UNAVAILABLE, message: 'etcdserver: server stopped' },
  Timeout: { code: status.UNAVAILABLE, message: 'etcdserver: request timed out' },
  TimeoutDueToLeaderFail: {
    code: status.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to previous leader failure',
  },
  TimeoutDueToConnectionLost: {
    code: status.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to connection lost',
  },
  Corrupt: { code: status.DATA_LOSS, message: 'etcdserver: corrupt cluster' },
  Canceled: { code: status.CANCELLED, message: 'etcdserver: request canceled' },
  // raft errors etcd returns unmapped: codes.Unknown with raft's text.
  ProposalDropped: { code: status.UNKNOWN, message: 'raft proposal dropped' },
  LeadershipTransferInProgress: { code: status.UNKNOWN, message: 'raft proposal dropped' },
  SnapshotTemporarilyUnavailable: {
    code: status.UNKNOWN,
    message: 'snapshot is temporarily unavailable',
  },
  Compacted: { code: status.UNKNOWN, message: 'requested index is unavailable due to compaction' },
  Unavailable: { code: status.UNKNOWN, message: 'requested entry at index is unavailable' },
  // Membership (rpctypes' ErrGRPCMember*, ErrGRPCPeerURLExist, ErrGRPCLearnerNotReady, ...).
  MemberExists: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: member ID already exist',
  },
  PeerUrlExists: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: Peer URLs already exists',
  },
  MemberNotFound: { code: status.NOT_FOUND, message: 'etcdserver: member not found' },
  MemberBadUrls: {
    code: status.INVALID_ARGUMENT,
    message: 'etcdserver: given member URLs are invalid',
  },
  MemberNotLearner: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member',
  },
  LearnerNotReady: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member which is in sync with leader',
  },
  TooManyLearners: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: too many learner members in cluster',
  },
  // rpctypes.ErrMemberNotEnoughStarted is a client-side error; grpc-go sends it as Unknown.
  NotEnoughStartedMembers: {
    code: status.UNKNOWN,
    message: 'etcdserver: re-configuration failed due to not enough started members',
  },
  Unhealthy: { code: status.UNAVAILABLE, message: 'etcdserver: unhealthy cluster' },
  NotSupportedForLearner: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: rpc not supported for learner',
  },
  BadLeaderTransferee: {
    code: status.FAILED_PRECONDITION,
    message: 'etcdserver: bad leader transferee',
  },
  // etcdserver's ErrTimeoutLeaderTransfer is not in v3rpc's map: Unknown with its text.
  LeaderTransferTimeout: {
    code: status.UNKNOWN,
    message: 'etcdserver: request timed out, leader transfer took too long',
  },
  // The v3lock and v3election servers return client/v3/concurrency's errors unmapped: Unknown.
  LockSessionExpired: { code: status.UNKNOWN, message: 'mutex: session is expired' },
  ElectionNotLeader: { code: status.UNKNOWN, message: 'election: not leader' },
  ElectionNoLeader: { code: status.UNKNOWN, message: 'election: no leader' },
  ElectionMissingLeaderKey: { code: status.UNKNOWN, message: '"leader" field must be provided' },
};

// Codes etcd has no string for: Concord answers with the error's own message.
const concordOwn: readonly ErrorCode[] = [
  'Io',
  'InvalidArgument',
  'SessionExpired',
  'StaleSequence',
];

describe('error table', () => {
  it('has exactly one row per error code, each either etcd-equal or explicitly Concord-own', () => {
    for (const code of Object.keys(errorTable) as ErrorCode[]) {
      const expected = etcd[code];
      if (expected === undefined) {
        assert.ok(concordOwn.includes(code), `${code}: neither an etcd error nor Concord-own`);
        assert.equal(errorTable[code].ownMessage, true, `${code} must pass its own message`);
        continue;
      }
      assert.equal(errorTable[code].status, expected.code, `${code}: status`);
      assert.equal(errorTable[code].message, expected.message, `${code}: message`);
    }
    for (const code of [...Object.keys(etcd), ...concordOwn]) {
      assert.ok(code in errorTable, `${code} missing from the table`);
    }
  });

  it('maps a ConcordError to the table, and an own-message code to its message', () => {
    const bugs: unknown[] = [];
    const leased = statusOf(new ConcordError('LeaseNotFound', 'lease 7 gone'), (e) => bugs.push(e));
    assert.deepEqual(
      [leased.code, leased.details],
      [status.NOT_FOUND, etcd.LeaseNotFound?.message],
    );
    const own = statusOf(new ConcordError('InvalidArgument', 'concord: bad'), (e) => bugs.push(e));
    assert.deepEqual([own.code, own.details], [status.INVALID_ARGUMENT, 'concord: bad']);
    const bare = statusOf(new ConcordError('Io'), (e) => bugs.push(e));
    assert.deepEqual([bare.code, bare.details], [status.UNAVAILABLE, 'concord: storage i/o error']);
    assert.equal(bugs.length, 0);
  });

  it('answers anything else as UNKNOWN with its text, like etcd, and reports it as a bug', () => {
    const bugs: unknown[] = [];
    const bug = new TypeError('x is undefined');
    const answer = statusOf(bug, (e) => bugs.push(e));
    assert.deepEqual([answer.code, answer.details], [status.UNKNOWN, 'x is undefined']);
    assert.deepEqual(bugs, [bug]);
  });
});
