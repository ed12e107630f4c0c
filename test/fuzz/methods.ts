/**
 * Every gRPC method Concord serves, listed from its own loaded .proto services
 * (src/server/proto.ts), each with valid requests to start mutations from. Valid seeds are
 * encoded by the method's own serializer, so they are exactly what a real client sends.
 */
import { etcdServices, type ServiceName } from '../../src/server/proto.js';

export type CallShape = 'unary' | 'serverStream' | 'bidi';

export interface FuzzMethod {
  readonly service: ServiceName;
  readonly name: string;
  /** /package.Service/Method */
  readonly path: string;
  readonly shape: CallShape;
  /** Valid encoded requests. */
  readonly seeds: readonly Buffer[];
  /**
   * Whether a request that decodes may be sent in the phase where writes are allowed: not the
   * ones that change membership, leadership, auth or alarms (a random MemberAdd would cost the
   * cluster its quorum, a random AuthEnable every later call) or that run long.
   */
  readonly mutable: boolean;
}

const key = Buffer.from('fuzz/key');
const value = Buffer.from('value');

/** Valid request objects per method (proto-loader's camelCase field names). */
const seedObjects: Readonly<Record<string, readonly object[]>> = {
  Range: [
    { key, rangeEnd: Buffer.from('fuzz0') },
    { key, limit: 2, revision: 0, countOnly: true },
  ],
  RangeStream: [{ key, rangeEnd: Buffer.from('fuzz0') }],
  Put: [
    { key, value },
    { key, value, prevKv: true, lease: 0 },
  ],
  DeleteRange: [{ key, rangeEnd: Buffer.from('fuzz/l'), prevKv: true }],
  Txn: [
    {
      compare: [{ key, target: 'VALUE', result: 'EQUAL', value }],
      success: [{ requestPut: { key, value } }, { requestRange: { key } }],
      failure: [
        { requestDeleteRange: { key } },
        { requestTxn: { success: [{ requestRange: { key } }] } },
      ],
    },
  ],
  Compact: [{ revision: 1 }],
  Watch: [
    { createRequest: { key, rangeEnd: Buffer.from('fuzz0'), prevKv: true, progressNotify: true } },
    { cancelRequest: { watchId: 1 } },
    { progressRequest: {} },
  ],
  LeaseGrant: [{ TTL: 30, ID: 0 }],
  LeaseRevoke: [{ ID: 1 }],
  LeaseKeepAlive: [{ ID: 1 }],
  LeaseTimeToLive: [{ ID: 1, keys: true }],
  LeaseLeases: [{}],
  MemberAdd: [{ peerURLs: ['http://127.0.0.1:1'], isLearner: true }],
  MemberRemove: [{ ID: 1 }],
  MemberUpdate: [{ ID: 1, peerURLs: ['http://127.0.0.1:1'] }],
  MemberList: [{ linearizable: true }],
  MemberPromote: [{ ID: 1 }],
  Alarm: [{ action: 'GET', memberID: 0, alarm: 'NONE' }],
  Status: [{}],
  Defragment: [{}],
  Hash: [{}],
  HashKV: [{ revision: 0 }],
  Snapshot: [{}],
  MoveLeader: [{ targetID: 1 }],
  Downgrade: [{ action: 'VALIDATE', version: '3.5' }],
  AuthEnable: [{}],
  AuthDisable: [{}],
  AuthStatus: [{}],
  Authenticate: [{ name: 'fuzz', password: 'pw' }],
  UserAdd: [{ name: 'fuzz', password: 'pw', options: { noPassword: false } }],
  UserGet: [{ name: 'fuzz' }],
  UserList: [{}],
  UserDelete: [{ name: 'fuzz' }],
  UserChangePassword: [{ name: 'fuzz', password: 'pw2' }],
  UserGrantRole: [{ user: 'fuzz', role: 'fuzzrole' }],
  UserRevokeRole: [{ name: 'fuzz', role: 'fuzzrole' }],
  RoleAdd: [{ name: 'fuzzrole' }],
  RoleGet: [{ role: 'fuzzrole' }],
  RoleList: [{}],
  RoleDelete: [{ role: 'fuzzrole' }],
  RoleGrantPermission: [
    { name: 'fuzzrole', perm: { permType: 'READWRITE', key, rangeEnd: Buffer.from('fuzz0') } },
  ],
  RoleRevokePermission: [{ role: 'fuzzrole', key, rangeEnd: Buffer.from('fuzz0') }],
  Lock: [{ name: Buffer.from('fuzz/lock'), lease: 1 }],
  Unlock: [{ key: Buffer.from('fuzz/lock/1') }],
  Campaign: [{ name: Buffer.from('fuzz/election'), lease: 1, value }],
  Proclaim: [{ leader: { name: Buffer.from('fuzz/election'), key, rev: 1, lease: 1 }, value }],
  Leader: [{ name: Buffer.from('fuzz/election') }],
  Observe: [{ name: Buffer.from('fuzz/election') }],
  Resign: [{ leader: { name: Buffer.from('fuzz/election'), key, rev: 1, lease: 1 } }],
};

const immutable = new Set([
  'MemberAdd',
  'MemberRemove',
  'MemberUpdate',
  'MemberPromote',
  'MoveLeader',
  'Downgrade',
  'Alarm',
  'Defragment',
  'Snapshot',
  'AuthEnable',
  'AuthDisable',
]);

let cached: FuzzMethod[] | undefined;

/** All methods of all services (49 in etcd 3.5's protos). */
export function fuzzMethods(): readonly FuzzMethod[] {
  if (cached !== undefined) return cached;
  const methods: FuzzMethod[] = [];
  for (const [service, definition] of Object.entries(etcdServices()) as [ServiceName, object][]) {
    for (const [name, method] of Object.entries(definition) as [string, MethodShape][]) {
      const objects = seedObjects[name];
      if (objects === undefined) throw new Error(`fuzz: no seed request for ${service}.${name}`);
      methods.push({
        service,
        name,
        path: method.path,
        shape: method.requestStream ? 'bidi' : method.responseStream ? 'serverStream' : 'unary',
        seeds: objects.map((o) => method.requestSerialize(o)),
        mutable: !immutable.has(name),
      });
    }
  }
  cached = methods;
  return methods;
}

interface MethodShape {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: object) => Buffer;
}
