/**
 * Bytes of the auth state: users and roles in the `auth` bucket, and auth requests in Raft
 * entries. One encoding per value (deterministic), a format byte first, damage reported as a
 * `Corrupt` ConcordError by the ByteReader.
 *
 * The `auth` bucket (etcd keeps auth, authUsers and authRoles buckets; Concord has one):
 *   "enabled"        -> [0 | 1]
 *   "revision"       -> uvarint (the auth revision)
 *   "user/" + name   -> user
 *   "role/" + name   -> role
 */
import { unreachable } from '../../base/assert.js';
import { ByteReader, ByteWriter } from '../../base/byte-codec.js';
import type {
  AuthRequest,
  AuthRequestKind,
  AuthRole,
  AuthUser,
  Permission,
  PermissionType,
} from './types.js';

const utf8 = new TextEncoder();
const recordFormat = 1;

export const authKeys = {
  enabled: utf8.encode('enabled'),
  revision: utf8.encode('revision'),
  userPrefix: utf8.encode('user/'),
  rolePrefix: utf8.encode('role/'),
} as const;

/** authpb.Permission.Type values, by index. */
export const permissionTypes: readonly PermissionType[] = ['READ', 'WRITE', 'READWRITE'];

export function userKey(name: string): Uint8Array {
  return prefixed(authKeys.userPrefix, name);
}

export function roleKey(name: string): Uint8Array {
  return prefixed(authKeys.rolePrefix, name);
}

function prefixed(prefix: Uint8Array, name: string): Uint8Array {
  const tail = utf8.encode(name);
  const out = new Uint8Array(prefix.length + tail.length);
  out.set(prefix);
  out.set(tail, prefix.length);
  return out;
}

export function encodeUser(user: AuthUser): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(recordFormat);
  w.string(user.name);
  w.string(user.passwordHash);
  w.u8(user.noPassword ? 1 : 0);
  w.uvarint(user.roles.length);
  for (const role of user.roles) w.string(role);
  return w.finish();
}

export function decodeUser(bytes: Uint8Array): AuthUser {
  const r = new ByteReader(bytes, 'auth user');
  format(r);
  const name = r.string();
  const passwordHash = r.string();
  const noPassword = flag(r);
  const roles = Array.from({ length: r.count() }, () => r.string());
  r.end();
  return { name, passwordHash, noPassword, roles };
}

export function encodeRole(role: AuthRole): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(recordFormat);
  w.string(role.name);
  w.uvarint(role.permissions.length);
  for (const perm of role.permissions) putPermission(w, perm);
  return w.finish();
}

export function decodeRole(bytes: Uint8Array): AuthRole {
  const r = new ByteReader(bytes, 'auth role');
  format(r);
  const name = r.string();
  const permissions = Array.from({ length: r.count() }, () => getPermission(r));
  r.end();
  return { name, permissions };
}

function putPermission(w: ByteWriter, perm: Permission): void {
  w.u8(permissionTypes.indexOf(perm.permType));
  w.bytes(perm.key);
  w.bytes(perm.rangeEnd);
}

function getPermission(r: ByteReader): Permission {
  const tag = r.u8();
  const permType = permissionTypes[tag] ?? r.corrupt(`unknown permission type ${tag}`);
  return { permType, key: r.bytes(), rangeEnd: r.bytes() };
}

function format(r: ByteReader): void {
  const f = r.u8();
  if (f !== recordFormat) r.corrupt(`unknown format ${f}`);
}

function flag(r: ByteReader): boolean {
  const b = r.u8();
  if (b > 1) r.corrupt(`bad flag ${b}`);
  return b === 1;
}

const requestKinds = [
  'authEnable',
  'authDisable',
  'authenticate',
  'userAdd',
  'userDelete',
  'userChangePassword',
  'userGrantRole',
  'userRevokeRole',
  'roleAdd',
  'roleDelete',
  'roleGrantPermission',
  'roleRevokePermission',
] as const satisfies readonly AuthRequestKind[];

/** Writes an auth request's body (inside the request envelope; see request-codec.ts). */
export function putAuthRequest(w: ByteWriter, request: AuthRequest): void {
  w.u8(requestKinds.indexOf(request.kind));
  switch (request.kind) {
    case 'authEnable':
    case 'authDisable':
      return;
    case 'authenticate':
      w.string(request.name);
      return w.string(request.simpleToken);
    case 'userAdd':
      w.string(request.name);
      w.string(request.passwordHash);
      return w.u8(request.noPassword ? 1 : 0);
    case 'userDelete':
      return w.string(request.name);
    case 'userChangePassword':
      w.string(request.name);
      return w.string(request.passwordHash);
    case 'userGrantRole':
      w.string(request.user);
      return w.string(request.role);
    case 'userRevokeRole':
      w.string(request.name);
      return w.string(request.role);
    case 'roleAdd':
      return w.string(request.name);
    case 'roleDelete':
      return w.string(request.role);
    case 'roleGrantPermission':
      w.string(request.name);
      return putPermission(w, request.perm);
    case 'roleRevokePermission':
      w.string(request.role);
      w.bytes(request.key);
      return w.bytes(request.rangeEnd);
    default:
      return unreachable(request, 'auth request');
  }
}

export function getAuthRequest(r: ByteReader): AuthRequest {
  const tag = r.u8();
  const kind = requestKinds[tag] ?? r.corrupt(`unknown auth request ${tag}`);
  switch (kind) {
    case 'authEnable':
    case 'authDisable':
      return { kind };
    case 'authenticate':
      return { kind, name: r.string(), simpleToken: r.string() };
    case 'userAdd':
      return { kind, name: r.string(), passwordHash: r.string(), noPassword: flag(r) };
    case 'userDelete':
      return { kind, name: r.string() };
    case 'userChangePassword':
      return { kind, name: r.string(), passwordHash: r.string() };
    case 'userGrantRole':
      return { kind, user: r.string(), role: r.string() };
    case 'userRevokeRole':
      return { kind, name: r.string(), role: r.string() };
    case 'roleAdd':
      return { kind, name: r.string() };
    case 'roleDelete':
      return { kind, role: r.string() };
    case 'roleGrantPermission':
      return { kind, name: r.string(), perm: getPermission(r) };
    case 'roleRevokePermission':
      return { kind, role: r.string(), key: r.bytes(), rangeEnd: r.bytes() };
    default:
      return unreachable(kind, 'auth request');
  }
}
