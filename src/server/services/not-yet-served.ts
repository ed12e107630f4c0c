/**
 * Auth is declared on the wire (clients discover it) but answers UNIMPLEMENTED until its issue
 * lands.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { unimplementedService } from './unimplemented.js';

export function authService(): UntypedServiceImplementation {
  return unimplementedService([
    'AuthEnable',
    'AuthDisable',
    'AuthStatus',
    'Authenticate',
    'UserAdd',
    'UserGet',
    'UserList',
    'UserDelete',
    'UserChangePassword',
    'UserGrantRole',
    'UserRevokeRole',
    'RoleAdd',
    'RoleGet',
    'RoleList',
    'RoleDelete',
    'RoleGrantPermission',
    'RoleRevokePermission',
  ]);
}
