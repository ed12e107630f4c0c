/**
 * The Auth service's administration: turning authentication on and off, users, roles and
 * the key ranges a role may read or write (etcd's `user`, `role` and `auth` commands). To
 * speak as a user, open a client with `auth: { username, password }`.
 *
 * Permission keys are the whole keyspace's, not this client's namespace's: etcd's namespace
 * package leaves Auth alone too, and a role outlives any one client's view. Changes are not
 * retried once they may have reached a server (the Auth service keeps no request identities),
 * lists and gets are, as reads.
 */
import { rangeEndAll, toBuffer, type Bytes } from './bytes.js';
import type { CallOptions, Connection } from './connection.js';
import { Namespace } from './namespace.js';
import { wireRange, type KeyRange } from './ops.js';
import type { WireHeader } from './proto.js';

export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/** What a role may do to one key, or to the keys in [key, rangeEnd). */
export interface Permission {
  readonly type: PermissionType;
  readonly key: Buffer;
  /** Absent for one key; `\0` for "key and every key after it". */
  readonly rangeEnd?: Buffer;
}

interface WirePermission {
  permType: PermissionType;
  key: Buffer;
  rangeEnd: Buffer;
}

export class Auth {
  constructor(private readonly connection: Connection) {}

  /** Turns authentication on; the `root` user, with the `root` role, must exist. */
  async enable(options: CallOptions = {}): Promise<void> {
    await this.change('AuthEnable', {}, options);
  }

  /** Turns authentication off (only `root` may, once it is on). */
  async disable(options: CallOptions = {}): Promise<void> {
    await this.change('AuthDisable', {}, options);
  }

  /**
   * Adds a user. Without a password (`noPassword`) the user can only be one by its TLS
   * client certificate's common name.
   */
  async addUser(
    name: string,
    password: string | { noPassword: true },
    options: CallOptions = {},
  ): Promise<void> {
    const request =
      typeof password === 'string'
        ? { name, password }
        : { name, password: '', options: { noPassword: true } };
    await this.change('UserAdd', request, options);
  }

  /** The names of every user, sorted. */
  async users(options: CallOptions = {}): Promise<string[]> {
    const wire = await this.read<{ users: string[] }>('UserList', {}, options);
    return wire.users;
  }

  /** The roles a user has, sorted. */
  async userRoles(name: string, options: CallOptions = {}): Promise<string[]> {
    const wire = await this.read<{ roles: string[] }>('UserGet', { name }, options);
    return wire.roles;
  }

  async deleteUser(name: string, options: CallOptions = {}): Promise<void> {
    await this.change('UserDelete', { name }, options);
  }

  async changePassword(name: string, password: string, options: CallOptions = {}): Promise<void> {
    await this.change('UserChangePassword', { name, password }, options);
  }

  async grantRole(user: string, role: string, options: CallOptions = {}): Promise<void> {
    await this.change('UserGrantRole', { user, role }, options);
  }

  async revokeRole(user: string, role: string, options: CallOptions = {}): Promise<void> {
    await this.change('UserRevokeRole', { name: user, role }, options);
  }

  async addRole(name: string, options: CallOptions = {}): Promise<void> {
    await this.change('RoleAdd', { name }, options);
  }

  /** The names of every role, sorted. */
  async roles(options: CallOptions = {}): Promise<string[]> {
    const wire = await this.read<{ roles: string[] }>('RoleList', {}, options);
    return wire.roles;
  }

  /** A role's permissions. */
  async rolePermissions(role: string, options: CallOptions = {}): Promise<Permission[]> {
    const wire = await this.read<{ perm: WirePermission[] }>('RoleGet', { role }, options);
    return wire.perm.map((p) => ({
      type: p.permType,
      key: p.key,
      ...(p.rangeEnd.length > 0 ? { rangeEnd: p.rangeEnd } : {}),
    }));
  }

  async deleteRole(role: string, options: CallOptions = {}): Promise<void> {
    await this.change('RoleDelete', { role }, options);
  }

  /** Lets `role` read, write or both the key, or the keys `range` says (a prefix, say). */
  async grantPermission(
    role: string,
    type: PermissionType,
    key: Bytes,
    range: KeyRange & CallOptions = {},
  ): Promise<void> {
    const perm = { permType: type, ...permissionRange(key, range) };
    await this.change('RoleGrantPermission', { name: role, perm }, range);
  }

  /** Takes back the permission granted on exactly this key or range. */
  async revokePermission(
    role: string,
    key: Bytes,
    range: KeyRange & CallOptions = {},
  ): Promise<void> {
    await this.change('RoleRevokePermission', { role, ...permissionRange(key, range) }, range);
  }

  private async change(method: string, request: object, options: CallOptions): Promise<void> {
    await this.connection.unary<{ header: WireHeader }>(
      'Auth',
      method,
      request,
      'unidentified-write',
      options,
    );
  }

  private read<Response>(method: string, request: object, options: CallOptions) {
    return this.connection.unary<Response>('Auth', method, request, 'read', options);
  }
}

/** Permissions name keys in the whole keyspace (see above). */
const wholeKeyspace = new Namespace(Buffer.alloc(0));

/** [key, rangeEnd) as the KV calls send it: no range end for one key (also the CLI's). */
export function permissionRange(key: Bytes, range: KeyRange): { key: Buffer; rangeEnd?: Buffer } {
  const wire = wireRange(wholeKeyspace, toBuffer(key), range);
  // etcd reads the empty key as `\0` here, as etcdctl sends it.
  return wire.key.length === 0 ? { ...wire, key: Buffer.from(rangeEndAll) } : wire;
}
