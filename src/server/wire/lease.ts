/** Lease service messages (etcdserverpb.LeaseGrantRequest ... LeaseLeasesResponse). */
import type { Int64Text, WireResponseHeader } from './common.js';

export interface LeaseGrantRequestIn {
  readonly TTL: Int64Text;
  readonly ID: Int64Text;
}

export interface LeaseGrantResponseOut {
  readonly header: WireResponseHeader;
  readonly ID: Int64Text;
  readonly TTL: Int64Text;
  readonly error?: string;
}

export interface LeaseRevokeRequestIn {
  readonly ID: Int64Text;
}

export interface LeaseRevokeResponseOut {
  readonly header: WireResponseHeader;
}

export interface LeaseKeepAliveRequestIn {
  readonly ID: Int64Text;
}

export interface LeaseKeepAliveResponseOut {
  readonly header: WireResponseHeader;
  readonly ID: Int64Text;
  readonly TTL: Int64Text;
}

export interface LeaseTimeToLiveRequestIn {
  readonly ID: Int64Text;
  readonly keys: boolean;
}

export interface LeaseTimeToLiveResponseOut {
  readonly header: WireResponseHeader;
  readonly ID: Int64Text;
  readonly TTL: Int64Text;
  readonly grantedTTL: Int64Text;
  readonly keys: readonly Uint8Array[];
}

export interface LeaseLeasesResponseOut {
  readonly header: WireResponseHeader;
  readonly leases: readonly { readonly ID: Int64Text }[];
}
