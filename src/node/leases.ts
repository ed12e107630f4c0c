import { ConcordError } from '../base/errors.js';
import type { LeaseGrantResult, LeaseTimeToLiveResult, RequestOptions, WithHeader } from './api.js';
import type { Member } from './member.js';
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

  /** Renews the lease; its TTL, or 0 if it does not exist (etcd's answer). */
  async keepAlive(id: bigint, options?: RequestOptions): Promise<WithHeader<LeaseGrantResult>> {
    const m = this.member;
    await m.linearizable(options); // a leader exists, and the lease's grant is applied
    if (!m.deadlines.isLeading) {
      // Only the leader keeps lease time: renew there (etcd forwards to the leader too).
      const ttl = await m.askLeader({ op: 'leaseKeepAlive', id: id.toString() });
      return { header: m.header(), response: { id, ttl } };
    }
    const lease = m.stateMachine.timeToLive(id);
    if (lease === undefined) return { header: m.header(), response: { id, ttl: 0 } };
    if (lease.remainingTtl > 0) {
      // A checkpoint shorter than the TTL would let a new leader expire the lease early:
      // reset it through Raft before acknowledging the renewal.
      await m.propose(
        { type: 'leaseCheckpoint', request: { checkpoints: [{ id, remainingTtl: 0 }] } },
        options,
      );
    }
    if (!m.deadlines.renew(id, m.options.clock.now())) {
      // Revoked meanwhile, or leadership moved during the checkpoint.
      if (m.stateMachine.timeToLive(id) === undefined) {
        return { header: m.header(), response: { id, ttl: 0 } };
      }
      throw new ConcordError('NotLeader', 'etcdserver: not leader');
    }
    m.counters.leasesRenewed++;
    return { header: m.header(), response: { id, ttl: lease.ttl } };
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
