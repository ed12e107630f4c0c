/** The Auth service's messages (etcdserverpb Auth*, authpb.Permission), as on the wire. */
import type { WireEnum, WireResponseHeader } from './common.js';

export type WirePermissionType = 'READ' | 'WRITE' | 'READWRITE';

export interface WirePermissionIn {
  readonly permType: WireEnum<WirePermissionType>;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
}

export interface WirePermissionOut {
  readonly permType: WirePermissionType;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
}

export interface AuthenticateRequestIn {
  readonly name: string;
  readonly password: string;
}

export interface AuthUserAddRequestIn {
  readonly name: string;
  readonly password: string;
  /** A message field: null when absent. */
  readonly options: { readonly noPassword: boolean } | null;
  readonly hashedPassword: string;
}

export interface AuthNameIn {
  readonly name: string;
}

export interface AuthUserChangePasswordRequestIn {
  readonly name: string;
  readonly password: string;
  readonly hashedPassword: string;
}

export interface AuthUserGrantRoleRequestIn {
  readonly user: string;
  readonly role: string;
}

export interface AuthUserRevokeRoleRequestIn {
  readonly name: string;
  readonly role: string;
}

export interface AuthRoleIn {
  readonly role: string;
}

export interface AuthRoleGrantPermissionRequestIn {
  readonly name: string;
  /** A message field: null when absent. */
  readonly perm: WirePermissionIn | null;
}

export interface AuthRoleRevokePermissionRequestIn {
  readonly role: string;
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
}

export interface AuthHeaderOut {
  readonly header: WireResponseHeader;
}

export interface AuthStatusResponseOut extends AuthHeaderOut {
  readonly enabled: boolean;
  readonly authRevision: string;
}

export interface AuthenticateResponseOut extends AuthHeaderOut {
  readonly token: string;
}

export interface AuthRolesOut extends AuthHeaderOut {
  readonly roles: readonly string[];
}

export interface AuthUsersOut extends AuthHeaderOut {
  readonly users: readonly string[];
}

export interface AuthRoleGetResponseOut extends AuthHeaderOut {
  readonly perm: readonly WirePermissionOut[];
}
