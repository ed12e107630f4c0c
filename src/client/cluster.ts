/**
 * The Cluster service: the member list and membership changes (etcd's `member` commands).
 * Member IDs are bigints (uint64 on the wire). Changes are not retried once they may have
 * reached a server: a second MemberAdd would add a second member, and the server has no
 * request identity for these.
 */
import type { CallOptions, Connection } from './connection.js';
import type { WireMember, WireMemberAddResponse, WireMembersResponse } from './proto.js';

export interface Member {
  readonly id: bigint;
  /** Empty until the member has started and published itself. */
  readonly name: string;
  readonly peerUrls: readonly string[];
  /** Empty until the member has started and published itself. */
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export class Cluster {
  constructor(private readonly connection: Connection) {}

  /** Every member, learners included, as the leader knows them (a linearizable read). */
  async members(options: CallOptions = {}): Promise<Member[]> {
    const wire = await this.connection.unary<WireMembersResponse>(
      'Cluster',
      'MemberList',
      { linearizable: true },
      'read',
      options,
    );
    return wire.members.map(member);
  }

  /**
   * Adds a member that will listen on `peerUrls` (as a learner: it catches up without
   * voting, then `promote` it). Start it with `--initial-cluster-state existing`.
   */
  async add(
    peerUrls: readonly string[],
    options: { learner?: boolean } & CallOptions = {},
  ): Promise<{ added: Member; members: Member[] }> {
    const wire = await this.connection.unary<WireMemberAddResponse>(
      'Cluster',
      'MemberAdd',
      { peerURLs: peerUrls, isLearner: options.learner ?? false },
      'unidentified-write',
      options,
    );
    if (wire.member === null) throw new Error('concord client: MemberAdd answered no member');
    return { added: member(wire.member), members: wire.members.map(member) };
  }

  /** Removes a member (the leader too: it steps down once the change is committed). */
  async remove(id: bigint, options: CallOptions = {}): Promise<Member[]> {
    return this.change('MemberRemove', { ID: String(id) }, options);
  }

  /** Makes a learner that has caught up with the leader a voting member. */
  async promote(id: bigint, options: CallOptions = {}): Promise<Member[]> {
    return this.change('MemberPromote', { ID: String(id) }, options);
  }

  /** Changes the peer URLs a member is reached at. */
  async update(id: bigint, peerUrls: readonly string[], options: CallOptions = {}) {
    return this.change('MemberUpdate', { ID: String(id), peerURLs: peerUrls }, options);
  }

  private async change(method: string, request: object, options: CallOptions) {
    const wire = await this.connection.unary<WireMembersResponse>(
      'Cluster',
      method,
      request,
      'unidentified-write',
      options,
    );
    return wire.members.map(member);
  }
}

function member(wire: WireMember): Member {
  return {
    id: BigInt(wire.ID),
    name: wire.name,
    peerUrls: wire.peerURLs,
    clientUrls: wire.clientURLs,
    isLearner: wire.isLearner,
  };
}
