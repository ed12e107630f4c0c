import { ConcordError, isConcordError } from '../base/errors.js';
import { None } from '../raft/types.js';
import type { ConfChange } from '../raft/types.js';
import type { ClusterMember, MemberAddResult, RequestOptions, WithHeader } from './api.js';
import type { MemberInfo } from './applier.js';
import { encodeMemberContext } from './bootstrap.js';
import { memberIdFor } from './ids.js';
import type { Member } from './member.js';

/** etcd allows one learner at a time (its maxLearners). */
const learnersMax = 1;
/** etcd promotes a learner once its log reaches 90% of the leader's. */
const learnerReadyFraction = 0.9;

/**
 * The Cluster service's operations: membership changes go through Raft, one voter at a
 * time, with etcd's checks (strict reconfiguration: a change must leave enough started
 * voters for a quorum).
 */
export class Membership {
  private publishedAt = Number.NEGATIVE_INFINITY;
  private readonly confWaiters = new Set<() => void>();

  constructor(private readonly member: Member) {}

  /**
   * Tells the cluster this member's name and client URLs (etcd's publish), once a leader is
   * known and until the member list has them. Called by the background loop.
   */
  publishAttributes(): void {
    const m = this.member;
    const self = m.members.get(m.identity.memberId);
    if (self === undefined || m.raw.raft.lead === None) return;
    const { name, clientUrls } = m.options;
    if (self.name === name && sameList(self.clientUrls, clientUrls)) return;
    const now = m.options.clock.now();
    if (now - this.publishedAt < m.options.electionMs) return; // one in flight at a time
    this.publishedAt = now;
    try {
      m.driver.proposeConfChange({
        type: 'UpdateNode',
        nodeId: m.identity.memberId,
        context: encodeMemberContext({ name, clientUrls }),
      });
    } catch (error) {
      if (!isConcordError(error)) throw error; // dropped: the next step tries again
    }
  }

  /** A conf change was applied: wake whoever waits for its effect. */
  confChanged(): void {
    for (const waiter of [...this.confWaiters]) waiter();
  }

  async list(
    linearizable: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    if (linearizable) await this.member.linearizable(options);
    return { header: this.member.header(), response: this.members() };
  }

  async add(
    peerUrls: readonly string[],
    isLearner: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<MemberAddResult>> {
    const members = [...this.member.members.values()];
    for (const m of members) {
      if (m.peerUrls.some((url) => peerUrls.includes(url))) {
        throw new ConcordError('PeerUrlExists', 'etcdserver: Peer URLs already exists');
      }
    }
    const id = memberIdFor(peerUrls, this.member.identity.clusterToken);
    if (this.member.members.has(id))
      throw new ConcordError('MemberExists', 'etcdserver: member ID already exist');
    if (isLearner && members.filter((m) => m.isLearner).length >= learnersMax) {
      throw new ConcordError('TooManyLearners', 'etcdserver: too many learner members in cluster');
    }
    if (!isLearner) this.checkQuorumAfter(members.filter((m) => !m.isLearner).length + 1, 0);
    await this.change(
      {
        type: isLearner ? 'AddLearnerNode' : 'AddNode',
        nodeId: id,
        context: encodeMemberContext({ name: '', peerUrls }),
      },
      () => this.member.members.has(id),
      options,
    );
    const added: ClusterMember = {
      id,
      name: '',
      peerUrls: [...peerUrls],
      clientUrls: [],
      isLearner,
    };
    return { header: this.member.header(), response: { added, members: this.members() } };
  }

  async remove(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    const target = this.known(id);
    if (!target.isLearner) {
      const voters = [...this.member.members.values()].filter((m) => !m.isLearner);
      this.checkQuorumAfter(voters.length - 1, target.name !== '' ? 1 : 0);
    }
    await this.change(
      { type: 'RemoveNode', nodeId: id, context: new Uint8Array() },
      () => !this.member.members.has(id),
      options,
    );
    return { header: this.member.header(), response: this.members() };
  }

  async update(
    id: bigint,
    peerUrls: readonly string[],
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    this.known(id);
    for (const m of this.member.members.values()) {
      if (m.id !== id && m.peerUrls.some((url) => peerUrls.includes(url))) {
        throw new ConcordError('PeerUrlExists', 'etcdserver: Peer URLs already exists');
      }
    }
    const same = (m: MemberInfo | undefined): boolean =>
      m !== undefined && m.peerUrls.join(',') === [...peerUrls].join(',');
    await this.change(
      { type: 'UpdateNode', nodeId: id, context: encodeMemberContext({ peerUrls }) },
      () => same(this.member.members.get(id)),
      options,
    );
    return { header: this.member.header(), response: this.members() };
  }

  async promote(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    const target = this.known(id);
    if (!target.isLearner) {
      throw new ConcordError('MemberNotLearner', 'etcdserver: can only promote a learner member');
    }
    if (!(await this.learnerReady(id))) {
      throw new ConcordError(
        'LearnerNotReady',
        'etcdserver: can only promote a learner member which is in sync with leader',
      );
    }
    await this.change(
      { type: 'AddNode', nodeId: id, context: new Uint8Array() },
      () => this.member.members.get(id)?.isLearner === false,
      options,
    );
    return { header: this.member.header(), response: this.members() };
  }

  /** The leader's answer to "has this learner caught up?" (90% of the leader's log). */
  learnerCaughtUp(id: bigint): boolean {
    const status = this.member.raw.status();
    const progress = status.progress?.get(id);
    if (status.state !== 'Leader' || progress === undefined) {
      throw new ConcordError('NotLeader', 'etcdserver: not leader');
    }
    return progress.match >= status.lastIndex * learnerReadyFraction;
  }

  /** True if learner `id` has caught up with the leader (asked of the leader if need be). */
  private async learnerReady(id: bigint): Promise<boolean> {
    if (this.member.raw.raft.state === 'Leader') return this.learnerCaughtUp(id);
    return (await this.member.askLeader({ op: 'learnerReady', id: id.toString() })) === 1;
  }

  /** Resolves once `done()` holds after a conf change, or after `timeoutMs` (either way). */
  private confChangeApplied(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.confWaiters.delete(check);
        cancel();
        resolve();
      };
      const check = (): void => {
        if (done()) finish();
      };
      const cancel = this.member.options.clock.after(Math.max(1, timeoutMs), finish);
      this.confWaiters.add(check);
    });
  }

  members(): ClusterMember[] {
    return [...this.member.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((m) => ({
        id: m.id,
        name: m.name,
        peerUrls: [...m.peerUrls].sort(),
        clientUrls: [...m.clientUrls],
        isLearner: m.isLearner,
      }));
  }

  private known(id: bigint): MemberInfo {
    const member = this.member.members.get(id);
    if (member === undefined)
      throw new ConcordError('MemberNotFound', 'etcdserver: member not found');
    return member;
  }

  /**
   * etcd's strict reconfiguration check: after the change, the voters that have started
   * (published their name) must still make a quorum. `leaving` started voters go away.
   */
  private checkQuorumAfter(votersAfter: number, leaving: number): void {
    const started =
      [...this.member.members.values()].filter((m) => !m.isLearner && m.name !== '').length -
      leaving;
    if (started < Math.floor(votersAfter / 2) + 1) {
      throw new ConcordError(
        'NotEnoughStartedMembers',
        're-configuration failed due to not enough started members',
      );
    }
  }

  /**
   * Proposes a conf change until `done()` holds: Raft takes one change at a time and drops a
   * second while the first is pending (a member publishing its name, say), so a dropped
   * proposal is tried again until the request's deadline.
   */
  private async change(
    change: ConfChange,
    done: () => boolean,
    options?: RequestOptions,
  ): Promise<void> {
    const { clock, electionMs } = this.member.options;
    const deadline = clock.now() + this.member.requestTimeoutMs;
    while (!done()) {
      if (options?.signal?.aborted)
        throw new ConcordError('Canceled', 'etcdserver: request canceled');
      if (clock.now() >= deadline)
        throw new ConcordError('Timeout', 'etcdserver: request timed out');
      try {
        this.member.driver.proposeConfChange(change);
      } catch (error) {
        if (!isConcordError(error, 'ProposalDropped')) throw error;
      }
      await this.confChangeApplied(done, Math.min(electionMs, deadline - clock.now()));
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
