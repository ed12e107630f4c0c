import { ConcordError } from '../base/errors.js';
import type { StateMachineRequest, StateMachineResponse } from '../mvcc/types.js';
import { None } from '../raft/types.js';
import type { LeaseGrantResult, LeaseTimeToLiveResult, RequestOptions, WithHeader } from './api.js';
import type { Member } from './member.js';
import { withDeadline } from './deadline.js';
import { expect } from './responses.js';

/**
 * The Lease service's operations on one member. Grants and revokes go through Raft; time is
 * the leader's alone (lease-deadlines.ts), so a follower renews and reads remaining TTLs on
 * the leader, as etcd forwards them.
 */
export class Leases {
  constructor(private readonly member: Member) {}

  async grant(
    id: bigint,
    ttl: number,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseGrantResult>> {
    const { header, response } = await this.member.propose(
      { type: 'leaseGrant', request: { id, ttl } },
      options,
    );
    const granted = expect(response, 'leaseGrant');
    return { header, response: { id: granted.id, ttl: granted.ttl } };
  }

  async revoke(id: bigint, options?: RequestOptions): Promise<WithHeader<void>> {
    const { header } = await this.member.propose({ type: 'leaseRevoke', request: { id } }, options);
    return { header, response: undefined };
  }

  /**
   * Renews the lease; its TTL, or 0 if it does not exist (etcd's answer). As etcd's
   * LeaseRenew: the leader renews in memory, with no Raft round, once it has applied all it
   * knows committed; a follower forwards the renewal to the leader.
   */
  async keepAlive(id: bigint, options?: RequestOptions): Promise<WithHeader<LeaseGrantResult>> {
    const now = this.renewNow(id);
    if (now !== undefined) return now;
    const m = this.member;
    if (m.isClosed) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    if (!m.deadlines.isLeading) {
      // Only the leader keeps lease time: renew there (etcd forwards to the leader too).
      // Without a known leader, wait (bounded) for one as a read would.
      if (m.raw.raft.lead === None) await m.linearizable(options);
      if (!m.deadlines.isLeading) {
        const ttl = await m.askLeader({ op: 'leaseKeepAlive', id: id.toString() });
        return { header: m.header(), response: { id, ttl } };
      }
    }
    await this.caughtUp(options);
    const lease = m.stateMachine.lease(id);
    if (lease === undefined) return { header: m.header(), response: { id, ttl: 0 } };
    if (lease.remainingTtl > 0 || m.deadlines.hasCheckpoint(id)) {
      // A checkpoint (applied, or proposed and maybe committed) shorter than the TTL would
      // let a new leader expire the lease early: reset it through Raft before acknowledging
      // the renewal. Only the first renewal after a checkpoint pays this; a deposed leader
      // cannot get it committed, so it cannot acknowledge such a renewal.
      // No checkpoint of the lease meanwhile: one would follow the reset in the log and undo
      // it under this renewal (LeaseDeadlines.resetting).
      m.deadlines.resetStarted(id);
      try {
        await m.propose(
          { type: 'leaseCheckpoint', request: { checkpoints: [{ id, remainingTtl: 0 }] } },
          options,
        );
      } finally {
        m.deadlines.resetEnded(id);
      }
    }
    if (!m.deadlines.renew(id, m.options.clock.now())) {
      // Revoked meanwhile, or leadership moved during the checkpoint.
      if (m.stateMachine.lease(id) === undefined) {
        return { header: m.header(), response: { id, ttl: 0 } };
      }
      throw new ConcordError('NotLeader', 'etcdserver: not leader');
    }
    m.counters.leasesRenewed++;
    return { header: m.header(), response: { id, ttl: lease.ttl } };
  }

  /**
   * keepAlive's answer when it needs no waiting, else undefined: on a leader that has applied
   * all it knows committed (as caughtUp would find it), for a lease without a checkpoint to
   * reset. Synchronous because clientv3's KeepAliveOnce opens a stream per renewal, so the
   * leader's cost per renewal is the stream's; an await per layer was a promise and a turn each.
   */
  renewNow(id: bigint): WithHeader<LeaseGrantResult> | undefined {
    const m = this.member;
    if (m.isClosed || !m.deadlines.isLeading) return undefined;
    const raft = m.raw.raft;
    if (!raft.committedEntryInCurrentTerm() || m.appliedWait.appliedIndex < raft.log.committed) {
      return undefined;
    }
    const lease = m.stateMachine.lease(id);
    if (lease === undefined) return { header: m.header(), response: { id, ttl: 0 } };
    if (lease.remainingTtl > 0 || m.deadlines.hasCheckpoint(id)) return undefined;
    if (!m.deadlines.renew(id, m.options.clock.now())) return undefined;
    m.counters.leasesRenewed++;
    return { header: m.header(), response: { id, ttl: lease.ttl } };
  }

  /** The member became leader (lease time starts here) or stopped being one. */
  roleChanged(leading: boolean): void {
    const m = this.member;
    if (leading && !m.deadlines.isLeading) {
      m.deadlines.promote(m.stateMachine.leases(), m.options.clock.now(), m.options.electionMs);
    } else if (!leading && m.deadlines.isLeading) {
      m.deadlines.demote();
    }
  }

  /** An applied grant, revoke or checkpoint moves the leader's lease time with it. */
  applied(request: StateMachineRequest, response: StateMachineResponse): void {
    const m = this.member;
    const now = m.options.clock.now();
    if (request.type === 'leaseGrant') {
      m.counters.leasesGranted++;
      m.deadlines.granted(request.request.id, expect(response, 'leaseGrant').ttl, now);
    } else if (request.type === 'leaseRevoke') {
      m.counters.leasesRevoked++;
      m.deadlines.revoked(request.request.id);
    } else if (request.type === 'leaseCheckpoint') {
      m.deadlines.checkpointApplied(request.request.checkpoints, now);
    }
  }

  /**
   * The leader has applied everything committed (etcd's waitAppliedIndex), so every grant,
   * revoke and checkpoint any member has acknowledged is visible here. A leader that has not
   * yet committed an entry of its term may not know the commit index: it confirms it with a
   * ReadIndex round instead.
   */
  private async caughtUp(options: RequestOptions | undefined): Promise<void> {
    const m = this.member;
    const raft = m.raw.raft;
    if (!raft.committedEntryInCurrentTerm()) {
      await m.linearizable(options);
      return;
    }
    const committed = raft.log.committed;
    if (m.appliedWait.appliedIndex >= committed) return;
    await withDeadline(
      m.appliedWait.wait(committed),
      m.options.clock,
      m.requestTimeoutMs,
      options?.signal,
      (reason) =>
        reason === 'canceled'
          ? new ConcordError('Canceled', 'etcdserver: request canceled')
          : new ConcordError('Timeout', 'etcdserver: request timed out'),
    );
  }

  async timeToLive(
    id: bigint,
    keys: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseTimeToLiveResult>> {
    const m = this.member;
    await m.linearizable(options);
    const lease = m.stateMachine.timeToLive(id);
    if (lease === undefined) {
      return { header: m.header(), response: { id, ttl: -1, grantedTtl: 0, keys: [] } };
    }
    const remaining =
      m.deadlines.remaining(id, m.options.clock.now()) ??
      (await this.leaderRemaining(id)) ??
      (lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl);
    return {
      header: m.header(),
      response: { id, ttl: remaining, grantedTtl: lease.ttl, keys: keys ? lease.keys : [] },
    };
  }

  async list(options?: RequestOptions): Promise<WithHeader<readonly bigint[]>> {
    await this.member.linearizable(options);
    return {
      header: this.member.header(),
      response: this.member.stateMachine.leases().map((l) => l.id),
    };
  }

  /** The leader's view of a lease's remaining TTL, if this member can ask it. */
  private async leaderRemaining(id: bigint): Promise<number | undefined> {
    if (this.member.deadlines.isLeading || this.member.peers === undefined) return undefined;
    try {
      const ttl = await this.member.askLeader({ op: 'leaseTimeToLive', id: id.toString() });
      return ttl >= 0 ? ttl : undefined;
    } catch {
      return undefined; // fall back to the last checkpoint
    }
  }
}
