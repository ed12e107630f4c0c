/**
 * The leader's clock for leases (the timed half of etcd's lessor; the state half is in
 * src/mvcc). Only the leader keeps deadlines: it proposes a revoke through Raft when one
 * passes, so every member deletes the lease's keys at the same revision.
 *
 * The promise (DESIGN.md 5): a lease's keys are never deleted before its TTL has passed
 * since the last renewal, and a change of leader lets it live only boundedly longer:
 *
 * - Never early: a new leader starts each lease from its last checkpointed remaining TTL
 *   (rounded up to whole seconds when taken, so never less than the truth; a renewal resets
 *   the checkpoint through Raft before it is acknowledged) or, without one, its full TTL.
 * - Late by at most `checkpointLagMs(ttl)` + the checkpoint period + grace: the new leader's
 *   deadline is (remaining TTL at the last checkpoint) + grace (its election timeout, as
 *   etcd's lessor Promote extends leases), and the leader checkpoints a lease before its
 *   checkpoint is `checkpointLagMs(ttl)` stale: first once half its TTL is gone (a client
 *   renewing on schedule, every TTL/3 as etcd's clients do, never gets there, so healthy
 *   keep-alives cost no Raft writes), then every further quarter of its TTL; both at least
 *   1 s and at most 5 minutes (etcd's checkpoint interval). With the default 500 ms period
 *   and 1 s election timeout a 6 s lease lives at most 3 s + 1.5 s longer, a 60 s one 30 s +
 *   1.5 s, an hour-long one 5 min + 1.5 s. Checkpoints due at once go in one proposal of up
 *   to 1000 (etcd's maxLeaseCheckpointBatchSize); more wait for the next period. Two things
 *   can add to that, each erring late: a lease is not checkpointed while a renewal resets it
 *   (at most the request timeout), and a reset applied after a promotion (a previous
 *   leader's renewal) restarts the lease's full TTL at its apply (`checkpointApplied`).
 */
import type { LeaseCheckpoint } from '../mvcc/types.js';

export interface LeaseTiming {
  readonly id: bigint;
  /** Granted TTL, seconds. */
  readonly ttl: number;
  /** Checkpointed remaining TTL, seconds; 0 means none was taken (the full TTL). */
  readonly remainingTtl: number;
}

const checkpointLagMaxMs = 5 * 60 * 1000;

/**
 * How stale a lease's checkpoint (or, before the first, its full TTL) may get, in ms, before
 * the leader checkpoints it: half its TTL, at least 1 s, at most 5 minutes. The extra life a
 * change of leader can give a lease is below this + the checkpoint period + grace.
 */
export function checkpointLagMs(ttl: number): number {
  return Math.min(checkpointLagMaxMs, Math.max(1000, ttl * 500));
}

/** After the first checkpoint, a lease is checkpointed again once this much more is gone. */
export function checkpointStepMs(ttl: number): number {
  return Math.min(checkpointLagMaxMs, Math.max(1000, ttl * 250));
}

export class LeaseDeadlines {
  // Deadlines in the clock's milliseconds, only while leader.
  private readonly deadlines = new Map<bigint, number>();
  private readonly ttls = new Map<bigint, number>();
  /** The remaining TTL last checkpointed per lease (cleared by a renewal). */
  private readonly checkpointed = new Map<bigint, number>();
  /**
   * Renewals resetting a lease's checkpoint through Raft, per lease. No checkpoint of such a
   * lease is taken meanwhile: it would follow the reset in the log and put back the old,
   * shorter remaining TTL under a renewal about to be acknowledged with the full one.
   */
  private readonly resetting = new Map<bigint, number>();
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
      // What a later leader would start from, so the next checkpoint follows on from it.
      if (lease.remainingTtl > 0) this.checkpointed.set(lease.id, lease.remainingTtl);
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

  /**
   * A checkpoint entry was applied. A reset in it (remaining TTL 0) stands for a renewal
   * some leader acknowledged before now: the lease lives at least its full TTL from now. This
   * matters for a reset a previous leader committed that this one had not applied when it
   * was promoted (promote() started the lease from the older, shorter checkpoint). A
   * checkpoint with a remaining TTL changes nothing: promote() started from a value at least
   * as late.
   */
  checkpointApplied(checkpoints: readonly LeaseCheckpoint[], now: number): void {
    if (!this.leading) return;
    for (const { id, remainingTtl } of checkpoints) {
      if (remainingTtl !== 0) continue;
      const ttl = this.ttls.get(id);
      const deadline = this.deadlines.get(id);
      if (ttl === undefined || deadline === undefined) continue;
      this.deadlines.set(id, Math.max(deadline, now + ttl * 1000));
    }
  }

  /** A keep-alive: the lease lives for its full TTL from now. False if unknown. */
  renew(id: bigint, now: number): boolean {
    const ttl = this.ttls.get(id);
    if (!this.leading || ttl === undefined) return false;
    this.deadlines.set(id, now + ttl * 1000);
    this.checkpointed.delete(id);
    return true;
  }

  /**
   * Whether this leader has proposed a checkpoint of the lease since its grant or last
   * renewal (or took over one): a renewal must then reset it through Raft.
   */
  hasCheckpoint(id: bigint): boolean {
    return this.checkpointed.has(id);
  }

  /** A renewal starts resetting the lease's checkpoint through Raft (see `resetting`). */
  resetStarted(id: bigint): void {
    this.resetting.set(id, (this.resetting.get(id) ?? 0) + 1);
  }

  /** That reset was committed, or failed: checkpoints of the lease may resume. */
  resetEnded(id: bigint): void {
    const left = (this.resetting.get(id) ?? 0) - 1;
    if (left > 0) this.resetting.set(id, left);
    else this.resetting.delete(id);
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
   * Remaining TTLs worth checkpointing through Raft (seconds, rounded up, at least 1), so a
   * restart or a new leader resumes a lease's countdown instead of starting it over: a lease
   * not checkpointed since its grant or renewal once `checkpointLagMs` of its TTL is gone,
   * a checkpointed one once its remaining TTL is `checkpointStepMs` below the checkpoint.
   */
  checkpoints(now: number, limit: number): { id: bigint; remainingTtl: number }[] {
    const out: { id: bigint; remainingTtl: number }[] = [];
    for (const [id, deadline] of this.deadlines) {
      if (out.length >= limit) break;
      if (this.resetting.has(id)) continue; // a renewal is resetting it: see `resetting`
      const ttl = this.ttls.get(id) ?? 0;
      const remainingMs = deadline - now;
      const last = this.checkpointed.get(id);
      // How far the value a new leader would start from is ahead of the truth.
      const staleMs = (last ?? ttl) * 1000 - remainingMs;
      if (staleMs < (last === undefined ? checkpointLagMs(ttl) : checkpointStepMs(ttl))) continue;
      const remainingTtl = Math.max(1, Math.ceil(remainingMs / 1000));
      this.checkpointed.set(id, remainingTtl);
      out.push({ id, remainingTtl });
    }
    return out;
  }
}
