/**
 * etcd's auth store (server/auth/store.go) as replicated state: users, roles, the enabled flag
 * and the auth revision, changed only by applied `auth` requests, so every member holds the
 * same auth state at the same index. Persisted in the `auth` bucket (auth-codec.ts) in the
 * apply's own backend transaction, so it survives restart and travels in snapshots with the
 * rest of the backend.
 *
 * The auth revision counts changes (etcd's commitRevision): it starts at 1, and every change
 * of a user, a role or a permission, and disabling auth, moves it on. A request checked
 * against permissions at an older revision is refused at apply ('AuthOldRevision'), so a
 * revoked permission cannot be used by a request that raced the revocation.
 *
 * Not here (member-local, because they involve time or secrets): tokens and their TTLs
 * (src/node/auth-tokens.ts, src/server/auth), password hashing and checking.
 */
import { ConcordError } from '../../base/errors.js';
import { limits } from '../../base/limits.js';
import { unreachable } from '../../base/assert.js';
import { ByteReader, ByteWriter } from '../../base/byte-codec.js';
import type { BackendRead, BackendWrite } from '../backend.js';
import { compareBytes, equalBytes } from '../bytes.js';
import {
  authKeys,
  decodeRole,
  decodeUser,
  encodeRole,
  encodeUser,
  roleKey,
  userKey,
} from './auth-codec.js';
import { authError } from './auth-errors.js';
import { coversRequest, unifyPermissions, type UnifiedPermissions } from './permissions.js';
import type {
  AuthInfo,
  AuthRequest,
  AuthResponse,
  AuthRole,
  AuthUser,
  Permission,
} from './types.js';

export const rootUser = 'root';
export const rootRole = 'root';
/** What RoleGet answers for the root role: READWRITE on every key (etcd's rootPerm). */
export const rootPermission: Permission = {
  permType: 'READWRITE',
  key: new Uint8Array(0),
  rangeEnd: new Uint8Array([0]),
};

/** The read side, for the server's checks and the Auth service's Get/List/Status. */
export interface AuthStoreView {
  readonly enabled: boolean;
  readonly revision: number;
  user(name: string): AuthUser | undefined;
  role(name: string): AuthRole | undefined;
  /** Sorted by name, as etcd's bucket scan lists them. */
  userNames(): string[];
  roleNames(): string[];
  hasRole(user: string, role: string): boolean;
  /** etcd's isOpPermitted: undefined when permitted, else the error to answer. */
  checkOp(
    info: AuthInfo,
    key: Uint8Array,
    rangeEnd: Uint8Array | undefined,
    type: 'READ' | 'WRITE',
  ): ConcordError | undefined;
  /** etcd's IsAdminPermitted: the user must have the root role (or auth is off). */
  checkAdmin(info: AuthInfo): ConcordError | undefined;
}

export class AuthStore implements AuthStoreView {
  private enabledFlag = false;
  // Invariant: >= 1; equals the `revision` key of the bucket once anything changed.
  private authRevision = 1;
  private readonly users = new Map<string, AuthUser>();
  private readonly roles = new Map<string, AuthRole>();
  /** Unified permissions by user; cleared on every change (etcd's rangePermCache). */
  private readonly cache = new Map<string, UnifiedPermissions>();

  get enabled(): boolean {
    return this.enabledFlag;
  }

  get revision(): number {
    return this.authRevision;
  }

  restore(reader: BackendRead): void {
    this.users.clear();
    this.roles.clear();
    this.cache.clear();
    const enabled = reader.get('auth', authKeys.enabled);
    this.enabledFlag = enabled !== undefined && enabled[0] === 1;
    const revision = reader.get('auth', authKeys.revision);
    this.authRevision = revision === undefined ? 1 : readRevision(revision);
    reader.scan(
      'auth',
      { start: authKeys.userPrefix, end: prefixEnd(authKeys.userPrefix) },
      (_k, v) => {
        const user = decodeUser(v);
        this.users.set(user.name, user);
      },
    );
    reader.scan(
      'auth',
      { start: authKeys.rolePrefix, end: prefixEnd(authKeys.rolePrefix) },
      (_k, v) => {
        const role = decodeRole(v);
        this.roles.set(role.name, role);
      },
    );
  }

  user(name: string): AuthUser | undefined {
    return this.users.get(name);
  }

  role(name: string): AuthRole | undefined {
    return this.roles.get(name);
  }

  userNames(): string[] {
    return sortedNames(this.users.keys());
  }

  roleNames(): string[] {
    return sortedNames(this.roles.keys());
  }

  hasRole(user: string, role: string): boolean {
    return this.users.get(user)?.roles.includes(role) ?? false;
  }

  checkOp(
    info: AuthInfo,
    key: Uint8Array,
    rangeEnd: Uint8Array | undefined,
    type: 'READ' | 'WRITE',
  ): ConcordError | undefined {
    if (!this.enabledFlag) return undefined;
    if (info.revision === 0) return authError('UserEmpty');
    if (info.revision < this.authRevision) return authError('AuthOldRevision');
    const user = this.users.get(info.username);
    if (user === undefined) return authError('PermissionDenied');
    if (user.roles.includes(rootRole)) return undefined;
    const unified = this.unified(user);
    const intervals = type === 'READ' ? unified.read : unified.write;
    return coversRequest(intervals, key, rangeEnd) ? undefined : authError('PermissionDenied');
  }

  checkAdmin(info: AuthInfo): ConcordError | undefined {
    if (!this.enabledFlag) return undefined;
    if (info.username === '') return authError('UserEmpty');
    const user = this.users.get(info.username);
    if (user === undefined) return authError('UserNotFound');
    return user.roles.includes(rootRole) ? undefined : authError('PermissionDenied');
  }

  /**
   * Applies one auth request inside the apply's backend transaction. A refusal writes
   * nothing and comes back as the error (identically on every member).
   */
  apply(tx: BackendWrite, request: AuthRequest): AuthResponse | ConcordError {
    switch (request.kind) {
      case 'authEnable':
        return this.enable(tx);
      case 'authDisable':
        if (!this.enabledFlag) return {};
        this.enabledFlag = false;
        tx.put('auth', authKeys.enabled, new Uint8Array([0]));
        return this.commit(tx);
      case 'authenticate': {
        if (!this.enabledFlag) return authError('AuthNotEnabled');
        const user = this.users.get(request.name);
        if (user === undefined || user.noPassword) return authError('AuthFailed');
        const { name: username, simpleToken } = request;
        return { authenticated: { username, revision: this.authRevision, simpleToken } };
      }
      case 'userAdd': {
        if (request.name === '') return authError('UserEmpty');
        if (nameTooLong(request.name)) return authNameTooLong();
        if (this.users.has(request.name)) return authError('UserAlreadyExist');
        const { name, noPassword } = request;
        const passwordHash = noPassword ? '' : request.passwordHash;
        this.putUser(tx, { name, passwordHash, noPassword, roles: [] });
        return this.commit(tx);
      }
      case 'userDelete': {
        if (this.enabledFlag && request.name === rootUser) return authError('InvalidAuthMgmt');
        if (!this.users.has(request.name)) return authError('UserNotFound');
        this.users.delete(request.name);
        tx.delete('auth', userKey(request.name));
        return this.commit(tx);
      }
      case 'userChangePassword': {
        const user = this.users.get(request.name);
        if (user === undefined) return authError('UserNotFound');
        this.putUser(tx, { ...user, passwordHash: user.noPassword ? '' : request.passwordHash });
        return this.commit(tx);
      }
      case 'userGrantRole':
        return this.grantRole(tx, request.user, request.role);
      case 'userRevokeRole':
        return this.revokeRole(tx, request.name, request.role);
      case 'roleAdd': {
        if (request.name === '') return authError('RoleEmpty');
        if (nameTooLong(request.name)) return authNameTooLong();
        if (this.roles.has(request.name)) return authError('RoleAlreadyExist');
        this.putRole(tx, { name: request.name, permissions: [] });
        return this.commit(tx);
      }
      case 'roleDelete':
        return this.deleteRole(tx, request.role);
      case 'roleGrantPermission':
        return this.grantPermission(tx, request.name, request.perm);
      case 'roleRevokePermission': {
        const role = this.roles.get(request.role);
        if (role === undefined) return authError('RoleNotFound');
        const kept = role.permissions.filter(
          (p) => !equalBytes(p.key, request.key) || !equalBytes(p.rangeEnd, request.rangeEnd),
        );
        if (kept.length === role.permissions.length) return authError('PermissionNotGranted');
        this.putRole(tx, { name: role.name, permissions: kept });
        return this.commit(tx);
      }
      default:
        return unreachable(request, 'auth request');
    }
  }

  private enable(tx: BackendWrite): AuthResponse | ConcordError {
    if (this.enabledFlag) return {};
    const root = this.users.get(rootUser);
    if (root === undefined) return authError('RootUserNotExist');
    if (!root.roles.includes(rootRole)) return authError('RootRoleNotExist');
    this.enabledFlag = true;
    this.cache.clear();
    tx.put('auth', authKeys.enabled, new Uint8Array([1]));
    return {}; // etcd does not move the revision on enable
  }

  private grantRole(tx: BackendWrite, name: string, roleName: string): AuthResponse | ConcordError {
    const user = this.users.get(name);
    if (user === undefined) return authError('UserNotFound');
    // The root role need not exist as a role to be granted (etcd).
    if (roleName !== rootRole && !this.roles.has(roleName)) return authError('RoleNotFound');
    if (user.roles.includes(roleName)) return {}; // etcd ignores a duplicate grant
    this.putUser(tx, { ...user, roles: [...user.roles, roleName].sort(compareStrings) });
    return this.commit(tx);
  }

  private revokeRole(
    tx: BackendWrite,
    name: string,
    roleName: string,
  ): AuthResponse | ConcordError {
    if (this.enabledFlag && name === rootUser && roleName === rootRole) {
      return authError('InvalidAuthMgmt');
    }
    const user = this.users.get(name);
    if (user === undefined) return authError('UserNotFound');
    if (!user.roles.includes(roleName)) return authError('RoleNotGranted');
    this.putUser(tx, { ...user, roles: user.roles.filter((r) => r !== roleName) });
    return this.commit(tx);
  }

  private deleteRole(tx: BackendWrite, roleName: string): AuthResponse | ConcordError {
    if (this.enabledFlag && roleName === rootRole) return authError('InvalidAuthMgmt');
    if (!this.roles.has(roleName)) return authError('RoleNotFound');
    this.roles.delete(roleName);
    tx.delete('auth', roleKey(roleName));
    for (const user of [...this.users.values()]) {
      if (user.roles.includes(roleName)) {
        this.putUser(tx, { ...user, roles: user.roles.filter((r) => r !== roleName) });
      }
    }
    return this.commit(tx);
  }

  private grantPermission(
    tx: BackendWrite,
    roleName: string,
    perm: Permission,
  ): AuthResponse | ConcordError {
    const role = this.roles.get(roleName);
    if (role === undefined) return authError('RoleNotFound');
    const same = (p: Permission): boolean =>
      equalBytes(p.key, perm.key) && equalBytes(p.rangeEnd, perm.rangeEnd);
    const permissions = role.permissions.some(same)
      ? role.permissions.map((p) => (same(p) ? { ...p, permType: perm.permType } : p))
      : [...role.permissions, perm].sort((a, b) => compareBytes(a.key, b.key));
    this.putRole(tx, { name: role.name, permissions });
    return this.commit(tx);
  }

  private putUser(tx: BackendWrite, user: AuthUser): void {
    this.users.set(user.name, user);
    tx.put('auth', userKey(user.name), encodeUser(user));
  }

  private putRole(tx: BackendWrite, role: AuthRole): void {
    this.roles.set(role.name, role);
    tx.put('auth', roleKey(role.name), encodeRole(role));
  }

  /** etcd's commitRevision: every change moves the auth revision on. */
  private commit(tx: BackendWrite): AuthResponse {
    this.cache.clear();
    this.authRevision++;
    const w = new ByteWriter(10);
    w.uvarint(this.authRevision);
    tx.put('auth', authKeys.revision, w.finish());
    return {};
  }

  private unified(user: AuthUser): UnifiedPermissions {
    let unified = this.cache.get(user.name);
    if (unified === undefined) {
      const roles = user.roles.flatMap((name) => this.roles.get(name) ?? []);
      unified = unifyPermissions(roles);
      this.cache.set(user.name, unified);
    }
    return unified;
  }
}

function readRevision(bytes: Uint8Array): number {
  const r = new ByteReader(bytes, 'auth revision');
  const value = r.uvarint();
  r.end();
  return value;
}

function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  end[end.length - 1] = prefix[prefix.length - 1]! + 1;
  return end;
}

function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort(compareStrings);
}

/** Byte order of the UTF-8 names, as etcd's bucket lists them. */
function compareStrings(a: string, b: string): number {
  const utf8 = new TextEncoder();
  return compareBytes(utf8.encode(a), utf8.encode(b));
}

const nameBytes = new TextEncoder();

/** A user or role name too long to be a key of the auth bucket (limits.authNameBytesMax). */
export function nameTooLong(name: string): boolean {
  return (
    name.length > limits.authNameBytesMax / 3 &&
    nameBytes.encode(name).length > limits.authNameBytesMax
  );
}

/** Refusing such a name: etcd's 'request is too large' (INVALID_ARGUMENT). */
export function authNameTooLong(): ConcordError {
  return new ConcordError(
    'RequestTooLarge',
    `auth: a user or role name is over ${limits.authNameBytesMax} bytes`,
  );
}
