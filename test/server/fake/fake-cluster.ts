/**
 * The FakeMember's membership: etcd's rules for add, remove, update and promote, applied at
 * once (no Raft), so the server's conversions and error mapping can be tested end to end.
 */
import { ConcordError } from '../../../src/base/errors.js';
import type { ClusterMember, MemberAddResult } from '../../../src/node/api.js';

/** etcd's default --experimental-max-learners. */
const learnersMax = 1;

export class FakeCluster {
  readonly members = new Map<bigint, ClusterMember>();
  /** Learners the leader considers caught up (the rest answer LearnerNotReady). */
  readonly readyLearners = new Set<bigint>();
  private readonly removed = new Set<bigint>();
  // New IDs count down from the top of uint64, so they exercise the 64-bit path.
  private nextId = 2n ** 64n - 2n;

  constructor(self: ClusterMember) {
    this.members.set(self.id, self);
  }

  list(): readonly ClusterMember[] {
    return [...this.members.values()];
  }

  add(peerUrls: readonly string[], isLearner: boolean): MemberAddResult {
    this.checkUrlsFree(peerUrls, undefined);
    const learners = this.list().filter((member) => member.isLearner).length;
    if (isLearner && learners >= learnersMax) throw new ConcordError('TooManyLearners');
    const added = { id: this.nextId--, name: '', peerUrls, clientUrls: [], isLearner };
    this.members.set(added.id, added);
    return { added, members: this.list() };
  }

  remove(id: bigint): readonly ClusterMember[] {
    this.existing(id);
    this.members.delete(id);
    this.removed.add(id);
    return this.list();
  }

  update(id: bigint, peerUrls: readonly string[]): readonly ClusterMember[] {
    const member = this.existing(id);
    this.checkUrlsFree(peerUrls, id);
    this.members.set(id, { ...member, peerUrls });
    return this.list();
  }

  promote(id: bigint): readonly ClusterMember[] {
    const member = this.existing(id);
    if (!member.isLearner) throw new ConcordError('MemberNotLearner');
    if (!this.readyLearners.has(id)) throw new ConcordError('LearnerNotReady');
    this.members.set(id, { ...member, isLearner: false });
    return this.list();
  }

  /** A member starting: it publishes its name and client URLs. */
  publish(id: bigint, name: string, clientUrls: readonly string[]): void {
    const member = this.existing(id);
    this.members.set(id, { ...member, name, clientUrls });
  }

  private existing(id: bigint): ClusterMember {
    const member = this.members.get(id);
    // etcd answers ErrIDRemoved and ErrIDNotFound alike: "member not found".
    if (member === undefined || this.removed.has(id)) throw new ConcordError('MemberNotFound');
    return member;
  }

  private checkUrlsFree(peerUrls: readonly string[], except: bigint | undefined): void {
    for (const member of this.members.values()) {
      if (member.id === except) continue;
      if (member.peerUrls.some((url) => peerUrls.includes(url))) {
        throw new ConcordError('PeerUrlExists');
      }
    }
  }
}
