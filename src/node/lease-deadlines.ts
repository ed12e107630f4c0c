/**
 * The leader's clock for leases (the timed half of etcd's lessor; the state half is in
 * src/mvcc). Only the leader keeps deadlines: it proposes a revoke through Raft when one
 * passes, so every member deletes the lease's keys at the same revision.
 *
 * The promise (DESIGN.md 5): a lease's keys are never deleted before its TTL has passed
 * since the last renewal. Deadlines only ever err late: a new leader starts each lease from
 * its last checkpointed remaining TTL (never less than the truth, because a renewal resets the
 * checkpoint before it is acknowledged) plus an election timeout of grace.
 */
export interface LeaseTiming {
  readonly id: bigint;
  /** Granted TTL, seconds. */
  readonly ttl: number;
  /** Checkpointed remaining TTL, seconds; 0 means none was taken (the full TTL). */
  readonly remainingTtl: number;
}

/** A lease is checkpointed once its remaining TTL falls below this fraction of it. */
const checkpointBelow = 0.6;

export class LeaseDeadlines {
  // Deadlines in the clock's milliseconds, only while leader.
  private readonly deadlines = new Map<bigint, number>();
  private readonly ttls = new Map<bigint, number>();
  /** The remaining TTL last checkpointed per lease (cleared by a renewal). */
  private readonly checkpointed = new Map<bigint, number>();
  private leading = false;

  /** This member became leader at `now`: start every lease's clock (with grace). */
  promote(leases: readonly LeaseTiming[], now: number, graceMs: number): void {
    this.leading = true;
    this.checkpointed.clear();
    this.deadlines.clear();
    this.ttls.clear();
    for (const lease of leases) {
      const remaining = lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
      this.deadlines.set(lease.id, now + remaining * 1000 + graceMs);
      this.ttls.set(lease.id, lease.ttl);
    }
  }

  /** No longer leader: the new leader keeps time. */
  demote(): void {
    this.leading = false;
    this.checkpointed.clear();
    this.deadlines.clear();
    this.ttls.clear();
  }

  get isLeading(): boolean {
    return this.leading;
  }

  /** A grant was applied. */
  granted(id: bigint, ttl: number, now: number): void {
    if (!this.leading) return;
    this.deadlines.set(id, now + ttl * 1000);
    this.ttls.set(id, ttl);
  }

  /** A revoke was applied. */
  revoked(id: bigint): void {
    this.checkpointed.delete(id);
    this.deadlines.delete(id);
    this.ttls.delete(id);
  }

  /** A keep-alive: the lease lives for its full TTL from now. False if unknown. */
  renew(id: bigint, now: number): boolean {
    const ttl = this.ttls.get(id);
    if (!this.leading || ttl === undefined) return false;
    this.deadlines.set(id, now + ttl * 1000);
    this.checkpointed.delete(id);
    return true;
  }

  /** Seconds left, rounded up; undefined if unknown here. */
  remaining(id: bigint, now: number): number | undefined {
    const deadline = this.deadlines.get(id);
    if (deadline === undefined) return undefined;
    return Math.max(0, Math.ceil((deadline - now) / 1000));
  }

  /** Leases whose deadline has passed, oldest first, at most `limit`. */
  expired(now: number, limit: number): bigint[] {
    const out: { id: bigint; deadline: number }[] = [];
    for (const [id, deadline] of this.deadlines) if (deadline <= now) out.push({ id, deadline });
    out.sort((a, b) => a.deadline - b.deadline);
    return out.slice(0, limit).map((e) => e.id);
  }

  /**
   * Remaining TTLs worth checkpointing through Raft (seconds, at least 1), so a restart or a
   * new leader resumes a lease's countdown instead of starting it over. Only leases that have
   * used up more than `checkpointBelow` of their TTL qualify: a client renewing on time (etcd
   * clients renew every TTL/3) never gets there, so healthy keep-alives cost no Raft writes.
   * After the first, a lease is checkpointed again when it has lost another 10% of its TTL
   * (at least a second).
   */
  checkpoints(now: number, limit: number): { id: bigint; remainingTtl: number }[] {
    const out: { id: bigint; remainingTtl: number }[] = [];
    for (const [id, deadline] of this.deadlines) {
      if (out.length >= limit) break;
      const ttl = this.ttls.get(id) ?? 0;
      const remainingTtl = Math.max(1, Math.ceil((deadline - now) / 1000));
      if (remainingTtl > ttl * checkpointBelow) continue;
      const last = this.checkpointed.get(id);
      if (last !== undefined && last - remainingTtl < Math.max(1, ttl * 0.1)) continue;
      this.checkpointed.set(id, remainingTtl);
      out.push({ id, remainingTtl });
    }
    return out;
  }
}
