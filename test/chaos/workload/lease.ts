/**
 * Leases: each client grants a short lease, puts one key on it, maybe renews it once or twice
 * or revokes it early, and reads the key (linearizably, from any member) until well after the
 * lease must have expired. Checked with checkLeases: a key is never gone while its lease
 * lives, and is gone once its TTL ran out since the last renewal, both within the stated
 * tolerances (`leaseEarlyToleranceMs`, `leaseLateToleranceMs`).
 */
import { checkLeases } from '../checker/lease.js';
import type { Anomaly } from '../checker/result.js';
import { pairOperations, type Operation } from '../history/operation.js';
import { ClientProcess, pause, Refused, type Workload, type WorkloadContext } from './workload.js';

export const leasePrefix = 'lease/';

/**
 * The stated tolerances. Early: a key may go at most this long before its TTL has passed since
 * the client asked for the grant or renewal; the clock nemesis runs a leader's clock 10% fast
 * (300 ms of a 3 s lease), plus timer slack. Late: a key may stay this long after its TTL ran
 * out (the leader's expiry timer, the revoke going through Raft, a loaded machine), plus
 * `leaseLatePerFaultMs` for each fault started or healed during the lease's life: expiry only
 * ever errs late, and a new leader restarts an unrenewed lease from its last checkpoint (the
 * full TTL if none was taken yet: up to 3 s here) plus an election timeout of grace, after the
 * time it took to elect it. Faults of every kind can move the leader.
 */
export const leaseEarlyToleranceMs = 500;
export const leaseLateToleranceMs = 2500;
export const leaseLatePerFaultMs = 4000;

export interface LeaseWorkloadOptions {
  readonly clients?: number;
}

export function leaseWorkload(options: LeaseWorkloadOptions = {}): Workload {
  const clients = options.clients ?? 3;
  let keys = 0;

  async function client(context: WorkloadContext): Promise<void> {
    const prng = context.prng.fork();
    const proc = new ClientProcess(context, prng);
    const timeoutMs = context.opTimeoutMs;
    while (!context.signal.aborted) {
      const ttl = prng.pick([2, 3]);
      const grant = await proc.op(
        { f: 'lease-grant', value: { ttl } },
        (c) => c.leaseGrant(ttl, timeoutMs),
        { output: (r) => ({ lease: r.ID, ttl: Number(r.TTL) }) },
      );
      if (!grant.ok) {
        await pause(200, context.signal);
        continue;
      }
      const lease = grant.result.ID;
      const granted = Number(grant.result.TTL);
      const key = `${leasePrefix}${++keys}`;
      const value = `v${keys}`;
      await proc.op({ f: 'lease-put', key, value: { lease, value } }, (c) =>
        c.put(key, value, { lease, timeoutMs }),
      );
      // Renew a few, revoke a few, leave the rest to expire.
      const plan = prng.float();
      const renewals = plan < 0.35 ? prng.range(1, 2) : 0;
      const revoke = plan > 0.85;
      let lastRenewal = performance.now();
      let renewed = 0;
      let revoked = false;
      for (;;) {
        const now = performance.now();
        if (now - lastRenewal > granted * 1000 + leaseLateToleranceMs + leaseLatePerFaultMs) break;
        if (renewed < renewals && now - lastRenewal > (granted * 1000) / 2) {
          renewed++;
          await proc.op(
            { f: 'lease-keepalive', value: { lease } },
            async (c) => {
              const ttlLeft = await c.leaseKeepAliveOnce(lease, timeoutMs);
              if (ttlLeft <= 0) throw new Refused('lease not found');
              return ttlLeft;
            },
            { output: (t) => ({ lease, ttl: t }) },
          );
          lastRenewal = performance.now();
        } else if (revoke && !revoked && now - lastRenewal > 700) {
          revoked = true;
          await proc.op({ f: 'lease-revoke', value: { lease } }, (c) =>
            c.leaseRevoke(lease, timeoutMs),
          );
        } else {
          await proc.op(
            { f: 'read', key },
            async (c) => (await c.range(key, { timeoutMs })).kvs[0]?.value.toString() ?? null,
            { readOnly: true, output: (v) => v },
          );
        }
        await pause(prng.range(200, 400), new AbortController().signal);
      }
    }
  }

  return {
    name: 'lease',
    async run(context) {
      await Promise.all(Array.from({ length: clients }, () => client(context)));
    },
    async check(events, context) {
      const mine = events.filter(
        (e) => e.f.startsWith('lease-') || e.key?.startsWith(leasePrefix) === true,
      );
      // The checker takes one tolerance for both bounds: the early bound is checked over the
      // whole history, the late one per lease, widened by the faults during that lease.
      const ops = pairOperations(mine);
      const early = checkLeases(ops, { toleranceMs: leaseEarlyToleranceMs });
      const anomalies: Anomaly[] = early.anomalies.filter((a) => a.kind !== 'outlived');
      const faults = context.faults();
      for (const leaseOps of byLease(ops).values()) {
        const from = leaseOps[0]!.invokeTime;
        const to = leaseOps.reduce((t, op) => (op.invokeTime > t ? op.invokeTime : t), from);
        const during = faults.filter((f) => f.time >= from && f.time <= to).length;
        const toleranceMs = leaseLateToleranceMs + during * leaseLatePerFaultMs;
        const late = checkLeases(leaseOps, { toleranceMs });
        anomalies.push(...late.anomalies.filter((a) => a.kind === 'outlived'));
      }
      return {
        ...early,
        valid: anomalies.length === 0,
        anomalies,
        notes: [
          ...(early.notes ?? []),
          `tolerance: ${leaseEarlyToleranceMs} ms early; ${leaseLateToleranceMs} ms late + ${leaseLatePerFaultMs} ms per fault during the lease; ${early.leases} leases, ${early.reads} reads`,
        ],
      };
    },
  };
}

/** A history's lease operations grouped by lease: its grant, renewals, revoke, put, reads. */
function byLease(ops: readonly Operation[]): Map<string, Operation[]> {
  const groups = new Map<string, Operation[]>();
  const keyLease = new Map<string, string>();
  const leaseOf = (value: unknown): string | undefined => {
    const lease = (value as { lease?: unknown } | undefined)?.lease;
    return typeof lease === 'string' ? lease : undefined;
  };
  for (const op of ops) {
    if (op.f === 'lease-put' && op.key !== undefined) {
      const lease = leaseOf(op.input);
      if (lease !== undefined) keyLease.set(op.key, lease);
    }
  }
  for (const op of ops) {
    const lease =
      op.f === 'lease-grant'
        ? leaseOf(op.output)
        : op.f === 'read'
          ? keyLease.get(op.key ?? '')
          : leaseOf(op.input);
    if (lease === undefined) continue;
    let group = groups.get(lease);
    if (group === undefined) groups.set(lease, (group = []));
    group.push(op);
  }
  return groups;
}
