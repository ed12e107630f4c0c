import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { decodeRequest, encodeRequest } from '../../src/mvcc/request-codec.js';
import { StateMachine } from '../../src/mvcc/state-machine.js';
import { restoreBackend, snapshotBackend } from '../../src/mvcc/backend-snapshot.js';
import {
  coversRequest,
  mergeIntervals,
  unifyPermissions,
} from '../../src/mvcc/auth/permissions.js';
import type { AuthInfo, AuthRequest, Permission } from '../../src/mvcc/auth/types.js';
import type { StateMachineRequest } from '../../src/mvcc/types.js';

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const perm = (permType: Permission['permType'], key: string, rangeEnd = ''): Permission => ({
  permType,
  key: b(key),
  rangeEnd: rangeEnd === '\0' ? new Uint8Array([0]) : b(rangeEnd),
});

describe('auth permissions: unified ranges (etcd range_perm_cache)', () => {
  const read = (perms: Permission[]) => unifyPermissions([{ name: 'r', permissions: perms }]).read;

  it('a single-key grant permits that key only', () => {
    const intervals = read([perm('READ', 'a')]);
    assert.equal(coversRequest(intervals, b('a'), undefined), true);
    assert.equal(coversRequest(intervals, b('a\0'), undefined), false);
    assert.equal(coversRequest(intervals, b('ab'), undefined), false);
    assert.equal(coversRequest(intervals, b('a'), b('b')), false, 'a range over more than the key');
  });

  it('a prefix grant permits keys and sub-ranges inside it, not ranges that leave it', () => {
    const intervals = read([perm('READ', '/app/', '/app0')]);
    assert.equal(coversRequest(intervals, b('/app/x'), undefined), true);
    assert.equal(coversRequest(intervals, b('/app/'), b('/app0')), true);
    assert.equal(coversRequest(intervals, b('/app/a'), b('/app/b')), true);
    assert.equal(coversRequest(intervals, b('/app/'), b('/b')), false);
    assert.equal(coversRequest(intervals, b('/ap'), b('/app/z')), false);
    assert.equal(coversRequest(intervals, b('/app/'), new Uint8Array([0])), false, 'open-ended');
    assert.equal(coversRequest(intervals, b('/other'), undefined), false);
  });

  it('adjacent and overlapping grants merge; a gap is not covered', () => {
    const intervals = read([
      perm('READ', 'c', 'e'),
      perm('READ', 'a', 'c'),
      perm('READ', 'g', 'h'),
    ]);
    assert.equal(mergeIntervals(intervals).length, 2);
    assert.equal(coversRequest(intervals, b('a'), b('e')), true);
    assert.equal(coversRequest(intervals, b('b'), b('d')), true);
    assert.equal(coversRequest(intervals, b('a'), b('h')), false, 'the gap [e, g)');
  });

  it('an open-ended grant ("\\0") covers everything from its key on', () => {
    const intervals = read([perm('READ', 'm', '\0')]);
    assert.equal(coversRequest(intervals, b('m'), new Uint8Array([0])), true);
    assert.equal(coversRequest(intervals, b('zzz'), undefined), true);
    assert.equal(coversRequest(intervals, b('l'), undefined), false);
  });

  it('READ and WRITE are separate; READWRITE grants both', () => {
    const u = unifyPermissions([
      { name: 'x', permissions: [perm('READ', 'r'), perm('WRITE', 'w'), perm('READWRITE', 'rw')] },
    ]);
    assert.equal(coversRequest(u.read, b('r'), undefined), true);
    assert.equal(coversRequest(u.write, b('r'), undefined), false);
    assert.equal(coversRequest(u.write, b('w'), undefined), true);
    assert.equal(coversRequest(u.read, b('w'), undefined), false);
    assert.equal(coversRequest(u.read, b('rw'), undefined), true);
    assert.equal(coversRequest(u.write, b('rw'), undefined), true);
  });
});

describe('auth store in the state machine', () => {
  let index = 0;
  const apply = (sm: StateMachine, request: StateMachineRequest, auth?: AuthInfo) => {
    index++;
    return sm.apply(index, 1, request, undefined, auth);
  };
  const authReq = (sm: StateMachine, request: AuthRequest, auth?: AuthInfo) =>
    apply(sm, { type: 'auth', request }, auth);
  const errorOf = (result: ReturnType<typeof apply>): string | undefined =>
    result.status === 'rejected' ? result.error.code : undefined;

  const setUp = (): StateMachine => {
    const sm = new StateMachine(new MemoryBackend());
    const steps: AuthRequest[] = [
      { kind: 'userAdd', name: 'root', passwordHash: 'h-root', noPassword: false },
      { kind: 'userAdd', name: 'alice', passwordHash: 'h-alice', noPassword: false },
      { kind: 'roleAdd', name: 'app' },
      { kind: 'roleGrantPermission', name: 'app', perm: perm('READWRITE', '/app/', '/app0') },
      { kind: 'roleGrantPermission', name: 'app', perm: perm('READ', '/ro') },
      { kind: 'userGrantRole', user: 'alice', role: 'app' },
    ];
    for (const step of steps) assert.equal(authReq(sm, step).status, 'applied', step.kind);
    return sm;
  };

  it('enabling needs a root user with the root role', () => {
    const sm = new StateMachine(new MemoryBackend());
    assert.equal(errorOf(authReq(sm, { kind: 'authEnable' })), 'RootUserNotExist');
    authReq(sm, { kind: 'userAdd', name: 'root', passwordHash: 'h', noPassword: false });
    assert.equal(errorOf(authReq(sm, { kind: 'authEnable' })), 'RootRoleNotExist');
    // The root role need not exist as a role to be granted (etcd).
    authReq(sm, { kind: 'userGrantRole', user: 'root', role: 'root' });
    assert.equal(authReq(sm, { kind: 'authEnable' }).status, 'applied');
    assert.equal(sm.auth.enabled, true);
  });

  it("etcd's management errors", () => {
    const sm = setUp();
    const cases: [AuthRequest, string][] = [
      [
        { kind: 'userAdd', name: 'alice', passwordHash: 'x', noPassword: false },
        'UserAlreadyExist',
      ],
      [{ kind: 'userAdd', name: '', passwordHash: 'x', noPassword: false }, 'UserEmpty'],
      [{ kind: 'roleAdd', name: 'app' }, 'RoleAlreadyExist'],
      [{ kind: 'roleAdd', name: '' }, 'RoleEmpty'],
      [{ kind: 'userDelete', name: 'bob' }, 'UserNotFound'],
      [{ kind: 'roleDelete', role: 'nope' }, 'RoleNotFound'],
      [{ kind: 'userGrantRole', user: 'alice', role: 'nope' }, 'RoleNotFound'],
      [{ kind: 'userRevokeRole', name: 'alice', role: 'other' }, 'RoleNotGranted'],
      [
        { kind: 'roleRevokePermission', role: 'app', key: b('/x'), rangeEnd: b('') },
        'PermissionNotGranted',
      ],
      [{ kind: 'authenticate', name: 'alice', simpleToken: 't' }, 'AuthNotEnabled'],
    ];
    for (const [request, code] of cases) assert.equal(errorOf(authReq(sm, request)), code);
    assert.deepEqual(sm.auth.userNames(), ['alice', 'root']);
    assert.deepEqual(sm.auth.user('alice')?.roles, ['app']);
  });

  it('checks every write at apply with the user and auth revision it carries', () => {
    const sm = setUp();
    authReq(sm, { kind: 'userGrantRole', user: 'root', role: 'root' });
    assert.equal(authReq(sm, { kind: 'authEnable' }).status, 'applied');
    const rev = sm.auth.revision;
    const alice: AuthInfo = { username: 'alice', revision: rev };
    const put = (key: string, prevKv = false): StateMachineRequest => ({
      type: 'put',
      request: { key: b(key), value: b('v'), ...(prevKv ? { prevKv } : {}) },
    });
    assert.equal(apply(sm, put('/app/a'), alice).status, 'applied');
    assert.equal(errorOf(apply(sm, put('/other'), alice)), 'PermissionDenied');
    assert.equal(errorOf(apply(sm, put('/ro'), alice)), 'PermissionDenied', 'READ only');
    assert.equal(errorOf(apply(sm, put('/app/a'), { username: '', revision: 0 })), 'UserEmpty');
    // A txn is checked on both branches and its compares.
    const txn = (compareKey: string, failureKey: string): StateMachineRequest => ({
      type: 'txn',
      request: {
        compare: [{ result: 'EQUAL', target: 'VERSION', key: b(compareKey), version: 0 }],
        success: [{ requestPut: { key: b('/app/t'), value: b('1') } }],
        failure: [{ requestDeleteRange: { key: b(failureKey) } }],
      },
    });
    assert.equal(apply(sm, txn('/ro', '/app/u'), alice).status, 'applied');
    assert.equal(errorOf(apply(sm, txn('/secret', '/app/u'), alice)), 'PermissionDenied');
    assert.equal(errorOf(apply(sm, txn('/ro', '/secret'), alice)), 'PermissionDenied');
    // Compaction and auth management need the root role.
    const compact: StateMachineRequest = { type: 'compaction', request: { revision: 1 } };
    assert.equal(errorOf(apply(sm, compact, alice)), 'PermissionDenied');
    assert.equal(errorOf(authReq(sm, { kind: 'roleAdd', name: 'x' }, alice)), 'PermissionDenied');
    // A change of auth state makes requests checked before it stale.
    const root: AuthInfo = { username: 'root', revision: rev };
    assert.equal(
      authReq(sm, { kind: 'userRevokeRole', name: 'alice', role: 'app' }, root).status,
      'applied',
    );
    assert.equal(errorOf(apply(sm, put('/app/a'), alice)), 'AuthOldRevision');
    const fresh: AuthInfo = { username: 'alice', revision: sm.auth.revision };
    assert.equal(errorOf(apply(sm, put('/app/a'), fresh)), 'PermissionDenied');
    // The member's own requests (no auth info) are not checked.
    assert.equal(apply(sm, put('/anything')).status, 'applied');
    // root can't lose root while enabled.
    assert.equal(
      errorOf(authReq(sm, { kind: 'userRevokeRole', name: 'root', role: 'root' }, root)),
      'InvalidAuthMgmt',
    );
    assert.equal(
      errorOf(authReq(sm, { kind: 'userDelete', name: 'root' }, root)),
      'InvalidAuthMgmt',
    );
  });

  it('leases: revoking needs WRITE on every attached key; so does attaching a key to one', () => {
    const sm = setUp();
    authReq(sm, { kind: 'userGrantRole', user: 'root', role: 'root' });
    authReq(sm, { kind: 'authEnable' });
    const alice: AuthInfo = { username: 'alice', revision: sm.auth.revision };
    const root: AuthInfo = { username: 'root', revision: sm.auth.revision };
    assert.equal(
      apply(sm, { type: 'leaseGrant', request: { id: 5n, ttl: 60 } }, alice).status,
      'applied',
    );
    const putLeased = (key: string, who: AuthInfo) =>
      apply(sm, { type: 'put', request: { key: b(key), value: b('v'), lease: 5n } }, who);
    assert.equal(putLeased('/app/l', alice).status, 'applied');
    assert.equal(putLeased('/secret', root).status, 'applied');
    // alice may not write /secret, which the lease holds: no extending it, no revoking it.
    assert.equal(errorOf(putLeased('/app/m', alice)), 'PermissionDenied');
    const revoke: StateMachineRequest = { type: 'leaseRevoke', request: { id: 5n } };
    assert.equal(errorOf(apply(sm, revoke, alice)), 'PermissionDenied');
    assert.equal(apply(sm, revoke, root).status, 'applied');
  });

  it('survives a restart (same backend) and a snapshot restore (another backend)', () => {
    const sm = setUp();
    const restarted = new StateMachine(sm.backend);
    assert.deepEqual(restarted.auth.user('alice'), sm.auth.user('alice'));
    assert.equal(restarted.auth.revision, sm.auth.revision);
    const other = new MemoryBackend();
    restoreBackend(other, snapshotBackend(sm.backend));
    const installed = new StateMachine(other);
    assert.deepEqual(installed.auth.role('app'), sm.auth.role('app'));
    assert.deepEqual(installed.auth.roleNames(), ['app']);
  });

  it('the envelope carries auth info and auth requests byte for byte', () => {
    const request: StateMachineRequest = {
      type: 'auth',
      request: { kind: 'roleGrantPermission', name: 'app', perm: perm('WRITE', 'k', 'l') },
    };
    const envelope = { id: 7n, auth: { username: 'alice', revision: 9 }, request };
    assert.deepEqual(decodeRequest(encodeRequest(envelope)), envelope);
    const bare = { id: 8n, request: { type: 'auth', request: { kind: 'authEnable' } } } as const;
    assert.deepEqual(decodeRequest(encodeRequest(bare)), bare);
    // Auth off: nobody is refused.
    const off = new StateMachine(new MemoryBackend()).auth;
    assert.equal(off.checkAdmin({ username: '', revision: 0 }), undefined);
    assert.equal(
      isConcordError(off.checkOp({ username: '', revision: 0 }, b('k'), undefined, 'WRITE')),
      false,
    );
  });
});
