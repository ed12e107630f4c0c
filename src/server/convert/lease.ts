/** Lease responses from the member's results. Requests carry only an ID and a TTL (int64.ts). */
import type { LeaseGrantResult, LeaseTimeToLiveResult, ResponseHeader } from '../../node/api.js';
import type {
  LeaseGrantResponseOut,
  LeaseKeepAliveResponseOut,
  LeaseLeasesResponseOut,
  LeaseTimeToLiveResponseOut,
} from '../wire/lease.js';
import { toWireHeader } from './header.js';
import { bigintToInt64, numberToInt64 } from './int64.js';

export function toWireLeaseGrant(
  header: ResponseHeader,
  result: LeaseGrantResult,
): LeaseGrantResponseOut {
  return {
    header: toWireHeader(header),
    ID: bigintToInt64(result.id),
    TTL: numberToInt64(result.ttl),
  };
}

export function toWireLeaseKeepAlive(
  header: ResponseHeader,
  id: bigint,
  ttl: number,
): LeaseKeepAliveResponseOut {
  return { header: toWireHeader(header), ID: bigintToInt64(id), TTL: numberToInt64(ttl) };
}

export function toWireLeaseTimeToLive(
  header: ResponseHeader,
  result: LeaseTimeToLiveResult,
): LeaseTimeToLiveResponseOut {
  return {
    header: toWireHeader(header),
    ID: bigintToInt64(result.id),
    TTL: numberToInt64(result.ttl),
    grantedTTL: numberToInt64(result.grantedTtl),
    keys: result.keys,
  };
}

export function toWireLeaseLeases(
  header: ResponseHeader,
  ids: readonly bigint[],
): LeaseLeasesResponseOut {
  return { header: toWireHeader(header), leases: ids.map((id) => ({ ID: bigintToInt64(id) })) };
}
