/**
 * The Lease service. LeaseTimeToLive of an unknown lease answers TTL -1 rather than an error,
 * and LeaseLeases never fails for a missing lease, as etcd's lease server does.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcordError, isConcordError } from '../../base/errors.js';
import { toWireHeader } from '../convert/header.js';
import { int64ToBigint, int64ToNumber } from '../convert/int64.js';
import { toWireLeaseGrant, toWireLeaseLeases, toWireLeaseTimeToLive } from '../convert/lease.js';
import type { ResolvedOptions } from '../options.js';
import type {
  LeaseGrantRequestIn,
  LeaseGrantResponseOut,
  LeaseLeasesResponseOut,
  LeaseRevokeRequestIn,
  LeaseRevokeResponseOut,
  LeaseTimeToLiveRequestIn,
  LeaseTimeToLiveResponseOut,
} from '../wire/lease.js';
import { leaseKeepAliveHandler } from './lease-keepalive.js';
import type { StreamRegistry } from './stream-registry.js';
import { callerOptions, unary, unaryCall } from './unary.js';

export function leaseService(
  options: ResolvedOptions,
  streams: StreamRegistry,
): UntypedServiceImplementation {
  const { api, onBug, leaseCount, limits } = options;
  return {
    // Grant and Revoke take their caller explicitly, so the HTTP/2 fast path serves them as it
    // does KV's calls: every session, lock and election client grants a lease, and a client
    // that starts (etcd-benchmark's lease-keepalive: 100 at once) grants in a burst.
    LeaseGrant: unaryCall<LeaseGrantRequestIn, LeaseGrantResponseOut>(
      onBug,
      async (request, call) => {
        // --max-leases: a lease flood is refused before it is proposed (etcd has no such
        // knob; its answer to load, 'too many requests', tells clients to back off).
        if (leaseCount() >= limits.leasesMax) throw new ConcordError('TooManyRequests');
        // The TTL saturates: past etcd's maximum (9e9 s) it is "too large" either way.
        const { header, response } = await api.leaseGrant(
          int64ToBigint(request.ID),
          int64ToNumber(request.TTL),
          { ...callerOptions(call), signal: call.signal() },
        );
        return toWireLeaseGrant(header, response);
      },
    ),
    LeaseRevoke: unaryCall<LeaseRevokeRequestIn, LeaseRevokeResponseOut>(
      onBug,
      async (request, call) => {
        const { header } = await api.leaseRevoke(int64ToBigint(request.ID), {
          ...callerOptions(call),
          signal: call.signal(),
        });
        return { header: toWireHeader(header) };
      },
    ),
    LeaseKeepAlive: leaseKeepAliveHandler(options, streams),
    LeaseTimeToLive: unary<LeaseTimeToLiveRequestIn, LeaseTimeToLiveResponseOut>(
      onBug,
      async (request, signal) => {
        const id = int64ToBigint(request.ID);
        try {
          const { header, response } = await api.leaseTimeToLive(id, request.keys, { signal });
          return toWireLeaseTimeToLive(header, response);
        } catch (error) {
          if (!isConcordError(error, 'LeaseNotFound')) throw error;
          const missing = { id, ttl: -1, grantedTtl: 0, keys: [] };
          return toWireLeaseTimeToLive(api.header(), missing);
        }
      },
    ),
    LeaseLeases: unary<object, LeaseLeasesResponseOut>(onBug, async (_request, signal) => {
      const { header, response } = await api.leaseLeases({ signal });
      return toWireLeaseLeases(header, response);
    }),
  };
}
