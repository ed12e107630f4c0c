/**
 * The client's Auth administration (client.auth), run by client.test.ts against each target
 * after the other cases (it turns auth on for a while): users, roles and permissions are
 * made, listed and read back as the server keeps them; with auth on, a user is held to its
 * role's permissions, and a revoked permission, a changed password, a revoked role and a
 * deleted user take effect; auth goes off again.
 */
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { test } from 'node:test';
import { ServerError } from '../../src/client/index.js';
import type { TargetContext } from './targets.js';

const denied = (error: unknown): boolean =>
  error instanceof ServerError &&
  error.code === status.PERMISSION_DENIED &&
  error.details === 'etcdserver: permission denied';

export function authCases({ open }: TargetContext): void {
  test('users, roles and permissions, and a user held to them', async () => {
    const admin = open();
    const auth = admin.auth;
    await auth.addRole('root');
    await auth.addUser('root', 'root-pw');
    await auth.grantRole('root', 'root');
    await auth.addRole('reader');
    await auth.grantPermission('reader', 'READWRITE', 'scratch');
    await auth.grantPermission('reader', 'READ', 'config/', { prefix: true });
    await auth.addUser('alice', 'alice-pw');
    await auth.grantRole('alice', 'reader');
    await auth.addUser('cert-only', { noPassword: true });

    assert.deepEqual(await auth.users(), ['alice', 'cert-only', 'root']);
    assert.deepEqual(await auth.roles(), ['reader', 'root']);
    assert.deepEqual(await auth.userRoles('alice'), ['reader']);
    assert.deepEqual(await auth.rolePermissions('reader'), [
      { type: 'READ', key: Buffer.from('config/'), rangeEnd: Buffer.from('config0') },
      { type: 'READWRITE', key: Buffer.from('scratch') },
    ]);

    await admin.put('config/color', 'blue');
    await auth.enable();
    const root = open({ auth: { username: 'root', password: 'root-pw' } });
    try {
      const alice = open({ auth: { username: 'alice', password: 'alice-pw' } });
      assert.equal(await alice.getString('config/color'), 'blue', 'READ on the prefix');
      await alice.put('scratch', 'mine');
      const refused = await alice.put('config/color', 'red').catch((e: unknown) => e);
      assert.ok(denied(refused), `a write under READ: ${String(refused)}`);
      await assert.rejects(
        open({ auth: { username: 'cert-only', password: '' } }).get('config/color'),
        /authentication failed/,
        'a user without a password cannot log in with one',
      );

      await root.auth.revokePermission('reader', 'scratch');
      const revoked = await alice.put('scratch', 'again').catch((e: unknown) => e);
      assert.ok(denied(revoked), `a write after the revoke: ${String(revoked)}`);

      await root.auth.changePassword('alice', 'new-pw');
      await assert.rejects(
        open({ auth: { username: 'alice', password: 'alice-pw' } }).get('config/color'),
        /authentication failed/,
        'the old password',
      );
      const renewed = open({ auth: { username: 'alice', password: 'new-pw' } });
      assert.equal(await renewed.getString('config/color'), 'blue', 'the new password');

      await root.auth.revokeRole('alice', 'reader');
      assert.deepEqual(await root.auth.userRoles('alice'), []);
      await root.auth.deleteUser('alice');
      await root.auth.deleteUser('cert-only');
      await root.auth.deleteRole('reader');
      assert.deepEqual(await root.auth.users(), ['root']);
      assert.deepEqual(await root.auth.roles(), ['root']);
    } finally {
      await root.auth.disable();
    }
    await admin.put('config/color', 'green'); // anyone may again
    assert.equal(await admin.getString('config/color'), 'green');
  });
}
