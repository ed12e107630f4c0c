/**
 * The gateway's paths, as etcd 3.4/3.5 serves them on its client port (its generated
 * rpc.pb.gw.go): every one is a POST with a JSON body, answered by the gRPC method named here
 * (through the auth guard, like any gRPC call).
 */
import type { ServiceName } from '../proto.js';

export interface GatewayRoute {
  readonly service: ServiceName;
  readonly method: string;
  /** A streaming call: newline-delimited requests in, `{"result": ...}` lines out. */
  readonly stream?: true;
}

const kv = (method: string): GatewayRoute => ({ service: 'KV', method });
const lease = (method: string): GatewayRoute => ({ service: 'Lease', method });
const cluster = (method: string): GatewayRoute => ({ service: 'Cluster', method });
const maintenance = (method: string): GatewayRoute => ({ service: 'Maintenance', method });
const auth = (method: string): GatewayRoute => ({ service: 'Auth', method });
const lock = (method: string): GatewayRoute => ({ service: 'Lock', method });
const election = (method: string): GatewayRoute => ({ service: 'Election', method });

export const gatewayRoutes: ReadonlyMap<string, GatewayRoute> = new Map([
  ['/v3/kv/range', kv('Range')],
  ['/v3/kv/put', kv('Put')],
  ['/v3/kv/deleterange', kv('DeleteRange')],
  ['/v3/kv/txn', kv('Txn')],
  ['/v3/kv/compaction', kv('Compact')],
  ['/v3/watch', { service: 'Watch', method: 'Watch', stream: true }],
  ['/v3/lease/grant', lease('LeaseGrant')],
  ['/v3/lease/revoke', lease('LeaseRevoke')],
  ['/v3/kv/lease/revoke', lease('LeaseRevoke')],
  ['/v3/lease/keepalive', { service: 'Lease', method: 'LeaseKeepAlive', stream: true }],
  ['/v3/lease/timetolive', lease('LeaseTimeToLive')],
  ['/v3/kv/lease/timetolive', lease('LeaseTimeToLive')],
  ['/v3/lease/leases', lease('LeaseLeases')],
  ['/v3/kv/lease/leases', lease('LeaseLeases')],
  ['/v3/cluster/member/add', cluster('MemberAdd')],
  ['/v3/cluster/member/remove', cluster('MemberRemove')],
  ['/v3/cluster/member/update', cluster('MemberUpdate')],
  ['/v3/cluster/member/list', cluster('MemberList')],
  ['/v3/cluster/member/promote', cluster('MemberPromote')],
  ['/v3/maintenance/alarm', maintenance('Alarm')],
  ['/v3/maintenance/status', maintenance('Status')],
  ['/v3/maintenance/defragment', maintenance('Defragment')],
  // etcd's rpc.proto maps Hash and HashKV both to this path; its gateway serves Hash.
  ['/v3/maintenance/hash', maintenance('Hash')],
  ['/v3/maintenance/snapshot', { service: 'Maintenance', method: 'Snapshot', stream: true }],
  ['/v3/maintenance/transfer-leadership', maintenance('MoveLeader')],
  ['/v3/auth/enable', auth('AuthEnable')],
  ['/v3/auth/disable', auth('AuthDisable')],
  ['/v3/auth/status', auth('AuthStatus')],
  ['/v3/auth/authenticate', auth('Authenticate')],
  ['/v3/auth/user/add', auth('UserAdd')],
  ['/v3/auth/user/get', auth('UserGet')],
  ['/v3/auth/user/list', auth('UserList')],
  ['/v3/auth/user/delete', auth('UserDelete')],
  ['/v3/auth/user/changepw', auth('UserChangePassword')],
  ['/v3/auth/user/grant', auth('UserGrantRole')],
  ['/v3/auth/user/revoke', auth('UserRevokeRole')],
  ['/v3/auth/role/add', auth('RoleAdd')],
  ['/v3/auth/role/get', auth('RoleGet')],
  ['/v3/auth/role/list', auth('RoleList')],
  ['/v3/auth/role/delete', auth('RoleDelete')],
  ['/v3/auth/role/grant', auth('RoleGrantPermission')],
  ['/v3/auth/role/revoke', auth('RoleRevokePermission')],
  // v3lock.proto and v3election.proto's own gateway paths.
  ['/v3/lock/lock', lock('Lock')],
  ['/v3/lock/unlock', lock('Unlock')],
  ['/v3/election/campaign', election('Campaign')],
  ['/v3/election/proclaim', election('Proclaim')],
  ['/v3/election/leader', election('Leader')],
  ['/v3/election/observe', { service: 'Election', method: 'Observe', stream: true }],
  ['/v3/election/resign', election('Resign')],
]);
