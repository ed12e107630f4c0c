import type { HistoryEvent } from '../history/event.js';
import type { Operation } from '../history/operation.js';
import { toOperations } from '../history/operation.js';
import type { Anomaly, CheckResult } from './result.js';

export interface LeaseOptions {
  /** How far a member's lease clock may disagree with the client's (clock drift, the
   *  leader's election-time extension, scheduling), in milliseconds. Stated in the report. */
  readonly toleranceMs: number;
}

export interface LeaseResult extends CheckResult {
  readonly checker: 'lease';
  readonly leases: number;
  readonly keys: number;
  readonly reads: number;
}

interface Lease {
  readonly id: string;
  readonly grant: Operation;
  /** No expiry before this (the latest renewal's invoke + TTL; a renewal happens after it is
   *  asked for). */
  earliestExpiry: bigint;
  /** Expired by this (the latest renewal's return + TTL); undefined when an indeterminate
   *  keepalive may have renewed it at an unknown time. */
  latestExpiry: bigint | undefined;
  revoke?: Operation;
  lastRenewal: Operation;
}

const nsPerMs = 1_000_000n;

/**
 * Checks lease-attached keys (FORMAT.md, "Leases"): while its lease lives a key is never
 * gone, unless the lease was revoked ('expired-early'); after the lease's TTL has run out
 * since its last renewal, or after a revoke returned, it is gone ('outlived'). Both bounds
 * are widened by the stated tolerance. Reads bound the observations: a read saw the key
 * somewhere between its invoke and its return, so an early absence counts only if the read
 * returned before the earliest expiry, and a late presence only if it was invoked after the
 * latest. Each key is put once, with one lease.
 *
 * @example
 *   checkLeases(recorder.events(), { toleranceMs: 1500 });
 */
export function checkLeases(
  history: readonly HistoryEvent[] | readonly Operation[],
  options: LeaseOptions,
): LeaseResult {
  const ops = toOperations(history);
  const tolerance = BigInt(Math.round(options.toleranceMs)) * nsPerMs;
  const leases = collectLeases(ops);
  const puts = new Map<string, Operation>();
  for (const op of ops)
    if (op.f === 'lease-put' && op.key !== undefined && op.type !== 'fail') puts.set(op.key, op);
  const anomalies: Anomaly[] = [];
  let reads = 0;
  for (const read of ops) {
    if (read.f !== 'read' || read.type !== 'ok' || read.key === undefined) continue;
    const put = puts.get(read.key);
    const lease = put === undefined ? undefined : leases.get(leaseOf(put));
    if (put === undefined || lease === undefined) continue;
    reads++;
    const present = read.output !== null && read.output !== undefined;
    const involved = [
      lease.grant,
      put,
      lease.lastRenewal,
      ...(lease.revoke ? [lease.revoke] : []),
      read,
    ];
    const context = [...new Set(involved)];
    if (
      !present &&
      put.type === 'ok' &&
      read.invokeTime > put.returnTime! &&
      read.returnTime! < lease.earliestExpiry - tolerance
    ) {
      if (lease.revoke === undefined || read.returnTime! < lease.revoke.invokeTime) {
        const early = Number((lease.earliestExpiry - read.returnTime!) / nsPerMs);
        anomalies.push({
          checker: 'lease',
          kind: 'expired-early',
          key: read.key,
          message: `key ${read.key} of lease ${lease.id} was gone ${early} ms before the lease could have expired (tolerance ${options.toleranceMs} ms), and it was not revoked`,
          ops: context,
          focus: [read],
        });
      }
    }
    const goneBy = earliest(
      lease.latestExpiry,
      lease.revoke?.type === 'ok' ? lease.revoke.returnTime : undefined,
    );
    if (present && goneBy !== undefined && read.invokeTime > goneBy + tolerance) {
      const late = Number((read.invokeTime - goneBy) / nsPerMs);
      const why = goneBy === lease.latestExpiry ? 'its lease expired' : 'its lease was revoked';
      anomalies.push({
        checker: 'lease',
        kind: 'outlived',
        key: read.key,
        message: `key ${read.key} of lease ${lease.id} was still there ${late} ms after ${why} (tolerance ${options.toleranceMs} ms)`,
        ops: context,
        focus: [read],
      });
    }
  }
  return {
    checker: 'lease',
    valid: anomalies.length === 0,
    anomalies,
    leases: leases.size,
    keys: puts.size,
    reads,
  };
}

function collectLeases(ops: readonly Operation[]): Map<string, Lease> {
  const leases = new Map<string, Lease>();
  for (const op of ops) {
    if (op.f === 'lease-grant' && op.type === 'ok') {
      const { lease, ttl } = grantOutput(op);
      leases.set(lease, {
        id: lease,
        grant: op,
        earliestExpiry: op.invokeTime + ttl,
        latestExpiry: op.returnTime! + ttl,
        lastRenewal: op,
      });
    }
  }
  for (const op of ops) {
    if (op.f !== 'lease-keepalive' && op.f !== 'lease-revoke') continue;
    const lease = leases.get(leaseOf(op));
    if (lease === undefined || op.type === 'fail') continue;
    if (op.f === 'lease-revoke') {
      if (lease.revoke === undefined || op.invokeTime < lease.revoke.invokeTime) lease.revoke = op;
    } else if (op.type === 'info') {
      lease.latestExpiry = undefined;
    } else {
      const { ttl } = grantOutput(op);
      if (ttl === 0n) continue; // etcd answers TTL 0 for a lease it no longer has
      if (op.invokeTime + ttl > lease.earliestExpiry) lease.earliestExpiry = op.invokeTime + ttl;
      if (lease.latestExpiry !== undefined && op.returnTime! + ttl > lease.latestExpiry) {
        lease.latestExpiry = op.returnTime! + ttl;
        lease.lastRenewal = op;
      }
    }
  }
  return leases;
}

function grantOutput(op: Operation): { lease: string; ttl: bigint } {
  const output = op.output as { lease?: unknown; ttl?: unknown } | undefined;
  if (typeof output?.lease !== 'string' || typeof output.ttl !== 'number') {
    throw new Error(
      `${op.f} of process ${op.process}: ok value must be {"lease": "<id>", "ttl": <seconds>}`,
    );
  }
  return { lease: output.lease, ttl: BigInt(Math.round(output.ttl * 1000)) * nsPerMs };
}

function leaseOf(op: Operation): string {
  const input = op.input as { lease?: unknown } | undefined;
  if (typeof input?.lease !== 'string')
    throw new Error(`${op.f} of process ${op.process}: value must carry "lease"`);
  return input.lease;
}

function earliest(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
