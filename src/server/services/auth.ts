/**
 * The Auth service (etcd's v3rpc AuthServer and the EtcdServer Auth* methods). Changes and
 * Authenticate go through Raft (api.auth), attributed to the caller so apply checks that the
 * caller has the root role (etcd's needAdminPermission); Get/List/Status are served from the
 * applied auth store after a ReadIndex round, with etcd's rules: UserGet is allowed on
 * oneself, RoleGet on one's own roles, the rest needs the root role.
 *
 * Passwords: hashed here before proposing (src/server/auth/password.ts), never logged,
 * never in a Raft entry. A client that sends `hashedPassword` (etcd 3.5's clients may) gets
 * it stored as given only if it is in this member's format; anything else is refused.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcordError } from '../../base/errors.js';
import { authError } from '../../mvcc/auth/auth-errors.js';
import {
  authNameTooLong,
  nameTooLong,
  rootPermission,
  rootRole,
} from '../../mvcc/auth/auth-store.js';
import type { AuthRequest, Permission, PermissionType } from '../../mvcc/auth/types.js';
import type { ConcordApi } from '../../node/api.js';
import type { AuthGate } from '../auth/auth-gate.js';
import { noUser } from '../auth/auth-gate.js';
import { currentAuth } from '../auth/guard.js';
import { toWireHeader } from '../convert/header.js';
import { numberToUint64 } from '../convert/int64.js';
import type { BugHandler } from '../status.js';
import type {
  AuthenticateRequestIn,
  AuthenticateResponseOut,
  AuthHeaderOut,
  AuthNameIn,
  AuthRoleGetResponseOut,
  AuthRoleGrantPermissionRequestIn,
  AuthRoleIn,
  AuthRoleRevokePermissionRequestIn,
  AuthRolesOut,
  AuthStatusResponseOut,
  AuthUserAddRequestIn,
  AuthUserChangePasswordRequestIn,
  AuthUserGrantRoleRequestIn,
  AuthUserRevokeRoleRequestIn,
  AuthUsersOut,
  WirePermissionIn,
} from '../wire/auth.js';
import { unary } from './unary.js';

const permissionTypes: readonly PermissionType[] = ['READ', 'WRITE', 'READWRITE'];

export function authService(
  api: ConcordApi,
  gate: AuthGate,
  onBug: BugHandler,
): UntypedServiceImplementation {
  const caller = () => currentAuth() ?? noUser;
  /** Proposes an auth change as the caller; answers the header. */
  const change = async (request: AuthRequest, signal: AbortSignal): Promise<AuthHeaderOut> => {
    const { header } = await api.auth(request, { signal, auth: caller() });
    return { header: toWireHeader(header) };
  };
  /** Fails fast before hashing a password for a caller apply would refuse anyway. */
  const requireAdmin = (): void => {
    const error = api.authView().checkAdmin(caller());
    if (error !== undefined) throw error;
  };
  const readStore = async (signal: AbortSignal) => api.authStore(true, { signal });
  const newPasswordHash = async (password: string, hashedPassword: string): Promise<string> => {
    requireAdmin();
    if (hashedPassword !== '') {
      if (!hashedPassword.startsWith('scrypt$')) {
        throw new ConcordError('InvalidArgument', 'concord: hashedPassword must be a scrypt hash');
      }
      return hashedPassword;
    }
    return gate.hash(password);
  };

  return {
    AuthEnable: unary<object, AuthHeaderOut>(onBug, (_r, signal) =>
      change({ kind: 'authEnable' }, signal),
    ),
    AuthDisable: unary<object, AuthHeaderOut>(onBug, (_r, signal) =>
      change({ kind: 'authDisable' }, signal),
    ),
    AuthStatus: unary<object, AuthStatusResponseOut>(onBug, async (_r, signal) => {
      const { header, response: view } = await readStore(signal);
      const denied = view.checkAdmin(caller());
      if (denied !== undefined) throw denied;
      return {
        header: toWireHeader(header),
        enabled: view.enabled,
        authRevision: numberToUint64(view.revision),
      };
    }),
    Authenticate: unary<AuthenticateRequestIn, AuthenticateResponseOut>(
      onBug,
      async (request, signal) => {
        const { header, token } = await gate.authenticate(request.name, request.password, {
          signal,
        });
        return { header: toWireHeader(header), token };
      },
    ),
    UserAdd: unary<AuthUserAddRequestIn, AuthHeaderOut>(onBug, async (request, signal) => {
      if (request.name === '') throw authError('UserEmpty');
      if (nameTooLong(request.name)) throw authNameTooLong();
      const noPassword = request.options?.noPassword === true;
      const passwordHash = noPassword
        ? ''
        : await newPasswordHash(request.password, request.hashedPassword);
      return change({ kind: 'userAdd', name: request.name, passwordHash, noPassword }, signal);
    }),
    UserGet: unary<AuthNameIn, AuthRolesOut>(onBug, async (request, signal) => {
      const { header, response: view } = await readStore(signal);
      const info = caller();
      const denied = view.checkAdmin(info);
      if (denied !== undefined && request.name !== info.username) throw denied;
      const user = view.user(request.name);
      if (user === undefined) throw authError('UserNotFound');
      return { header: toWireHeader(header), roles: user.roles };
    }),
    UserList: unary<object, AuthUsersOut>(onBug, async (_r, signal) => {
      const { header, response: view } = await readStore(signal);
      const denied = view.checkAdmin(caller());
      if (denied !== undefined) throw denied;
      return { header: toWireHeader(header), users: view.userNames() };
    }),
    UserDelete: unary<AuthNameIn, AuthHeaderOut>(onBug, (request, signal) =>
      change({ kind: 'userDelete', name: request.name }, signal),
    ),
    UserChangePassword: unary<AuthUserChangePasswordRequestIn, AuthHeaderOut>(
      onBug,
      async (request, signal) => {
        const passwordHash = await newPasswordHash(request.password, request.hashedPassword);
        return change({ kind: 'userChangePassword', name: request.name, passwordHash }, signal);
      },
    ),
    UserGrantRole: unary<AuthUserGrantRoleRequestIn, AuthHeaderOut>(onBug, (request, signal) =>
      change({ kind: 'userGrantRole', user: request.user, role: request.role }, signal),
    ),
    UserRevokeRole: unary<AuthUserRevokeRoleRequestIn, AuthHeaderOut>(onBug, (request, signal) =>
      change({ kind: 'userRevokeRole', name: request.name, role: request.role }, signal),
    ),
    RoleAdd: unary<AuthNameIn, AuthHeaderOut>(onBug, async (request, signal) => {
      if (nameTooLong(request.name)) throw authNameTooLong();
      return change({ kind: 'roleAdd', name: request.name }, signal);
    }),
    RoleGet: unary<AuthRoleIn, AuthRoleGetResponseOut>(onBug, async (request, signal) => {
      const { header, response: view } = await readStore(signal);
      const info = caller();
      const denied = view.checkAdmin(info);
      if (denied !== undefined && !view.hasRole(info.username, request.role)) throw denied;
      const role = view.role(request.role);
      if (role === undefined) throw authError('RoleNotFound');
      const perms = role.name === rootRole ? [rootPermission] : role.permissions;
      return { header: toWireHeader(header), perm: perms.map(toWirePermission) };
    }),
    RoleList: unary<object, AuthRolesOut>(onBug, async (_r, signal) => {
      const { header, response: view } = await readStore(signal);
      const denied = view.checkAdmin(caller());
      if (denied !== undefined) throw denied;
      return { header: toWireHeader(header), roles: view.roleNames() };
    }),
    RoleDelete: unary<AuthRoleIn, AuthHeaderOut>(onBug, (request, signal) =>
      change({ kind: 'roleDelete', role: request.role }, signal),
    ),
    RoleGrantPermission: unary<AuthRoleGrantPermissionRequestIn, AuthHeaderOut>(
      onBug,
      (request, signal) => {
        if (request.perm === null) throw authError('PermissionNotGiven');
        const perm = fromWirePermission(request.perm);
        return change({ kind: 'roleGrantPermission', name: request.name, perm }, signal);
      },
    ),
    RoleRevokePermission: unary<AuthRoleRevokePermissionRequestIn, AuthHeaderOut>(
      onBug,
      (request, signal) =>
        change(
          {
            kind: 'roleRevokePermission',
            role: request.role,
            key: Uint8Array.from(request.key),
            rangeEnd: Uint8Array.from(request.rangeEnd),
          },
          signal,
        ),
    ),
  };
}

function fromWirePermission(perm: WirePermissionIn): Permission {
  const permType =
    typeof perm.permType === 'number' ? permissionTypes[perm.permType] : perm.permType;
  if (permType === undefined) {
    throw new ConcordError('InvalidArgument', `concord: unknown permission type ${perm.permType}`);
  }
  return { permType, key: Uint8Array.from(perm.key), rangeEnd: Uint8Array.from(perm.rangeEnd) };
}

function toWirePermission(perm: Permission) {
  return { permType: perm.permType, key: perm.key, rangeEnd: perm.rangeEnd };
}
