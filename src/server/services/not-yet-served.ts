/**
 * Cluster and Auth are declared on the wire (clients discover them) but answer UNIMPLEMENTED
 * until their issues land.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { unimplementedService } from './unimplemented.js';

export function clusterService(): UntypedServiceImplementation {
  return unimplementedService([
    'MemberAdd',
    'MemberRemove',
    'MemberUpdate',
    'MemberList',
    'MemberPromote',
  ]);
}

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
