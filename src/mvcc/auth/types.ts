/**
 * etcd's auth state (authpb.User, authpb.Role, authpb.Permission) and the auth requests that
 * change it through Raft, in the state machine's terms. Passwords never appear here: the
 * server hashes them before proposing (src/server/auth/password.ts), so a Raft entry, the
 * backend and a snapshot only ever hold the self-describing hash string.
 */

/** etcd's authpb.Permission.Type. */
export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/** One key permission: a key (rangeEnd empty), a range [key, rangeEnd), or key.. ("\0"). */
export interface Permission {
  readonly permType: PermissionType;
  readonly key: Uint8Array;
  /** Empty: just `key`. `[0]`: every key >= `key`. Otherwise [key, rangeEnd). */
  readonly rangeEnd: Uint8Array;
}

export interface AuthUser {
  readonly name: string;
  /** The hash the server computed (e.g. "scrypt$..."); empty for a no-password user. */
  readonly passwordHash: string;
  /** Sorted, without duplicates (etcd keeps them sorted for a binary search of "root"). */
  readonly roles: readonly string[];
  readonly noPassword: boolean;
}

export interface AuthRole {
  readonly name: string;
  /** Sorted by key (etcd's permSlice order); at most one per (key, rangeEnd). */
  readonly permissions: readonly Permission[];
}

/**
 * Who a request speaks for, as etcd's AuthInfo and the RequestHeader of an
 * InternalRaftRequest carry it: the user and the auth revision its permission was checked
 * at. Revision 0 means no user (a request without a token): refused while auth is enabled.
 */
export interface AuthInfo {
  readonly username: string;
  readonly revision: number;
}

/** The auth requests that go through Raft (etcd's InternalRaftRequest.Auth* fields). */
export type AuthRequest =
  | { readonly kind: 'authEnable' }
  | { readonly kind: 'authDisable' }
  /**
   * The password was already checked by the member that took the request; `simpleToken` is
   * the token it chose (empty with JWT tokens), so every member learns the same token.
   */
  | { readonly kind: 'authenticate'; readonly name: string; readonly simpleToken: string }
  | {
      readonly kind: 'userAdd';
      readonly name: string;
      readonly passwordHash: string;
      readonly noPassword: boolean;
    }
  | { readonly kind: 'userDelete'; readonly name: string }
  | { readonly kind: 'userChangePassword'; readonly name: string; readonly passwordHash: string }
  | { readonly kind: 'userGrantRole'; readonly user: string; readonly role: string }
  | { readonly kind: 'userRevokeRole'; readonly name: string; readonly role: string }
  | { readonly kind: 'roleAdd'; readonly name: string }
  | { readonly kind: 'roleDelete'; readonly role: string }
  | { readonly kind: 'roleGrantPermission'; readonly name: string; readonly perm: Permission }
  | {
      readonly kind: 'roleRevokePermission';
      readonly role: string;
      readonly key: Uint8Array;
      readonly rangeEnd: Uint8Array;
    };

export type AuthRequestKind = AuthRequest['kind'];

/**
 * What an applied auth request answers. Only Authenticate carries anything: the user, the auth
 * revision it was authenticated at (a JWT's `revision` claim) and the simple token, if any.
 */
export interface AuthResponse {
  readonly authenticated?: {
    readonly username: string;
    readonly revision: number;
    readonly simpleToken: string;
  };
}
