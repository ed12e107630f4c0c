/**
 * The auth errors, with etcd's words (api/v3rpc/rpctypes/error.go) so a log line reads as
 * the client's error does; the wire status comes from src/server/errors.ts.
 */
import { ConcordError } from '../../base/errors.js';

const messages = {
  RootUserNotExist: 'etcdserver: root user does not exist',
  RootRoleNotExist: 'etcdserver: root user does not have root role',
  UserAlreadyExist: 'etcdserver: user name already exists',
  UserEmpty: 'etcdserver: user name is empty',
  UserNotFound: 'etcdserver: user name not found',
  RoleAlreadyExist: 'etcdserver: role name already exists',
  RoleNotFound: 'etcdserver: role name not found',
  RoleEmpty: 'etcdserver: role name is empty',
  AuthFailed: 'etcdserver: authentication failed, invalid user ID or password',
  PermissionDenied: 'etcdserver: permission denied',
  RoleNotGranted: 'etcdserver: role is not granted to the user',
  PermissionNotGranted: 'etcdserver: permission is not granted to the role',
  PermissionNotGiven: 'etcdserver: permission not given',
  AuthNotEnabled: 'etcdserver: authentication is not enabled',
  InvalidAuthToken: 'etcdserver: invalid auth token',
  InvalidAuthMgmt: 'etcdserver: invalid auth management',
  AuthOldRevision: 'etcdserver: revision of auth store is old',
} as const;

export type AuthErrorCode = keyof typeof messages;

export function authError(code: AuthErrorCode): ConcordError {
  return new ConcordError(code, messages[code]);
}
