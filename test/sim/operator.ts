import type { Prng } from '../../src/base/prng.js';
import type { ConfChange } from '../../src/raft/types.js';
import type { Cluster } from './cluster.js';
import type { Member } from './member.js';

export interface OperatorSettings {
  /** Per tick: the chance the operator tries a membership change or a leader transfer. */
  readonly actionRate: number;
  readonly votersMin: number;
  readonly votersMax: number;
  /** Members ever created (ids are never reused). */
  readonly membersMax: number;
}

export interface OperatorStats {
  transfers: number;
  confChanges: number;
}

/**
 * The cluster's operator: leader transfers and single-voter membership changes (add a
 * learner, promote it, remove a voter, the leader included), keeping the voters within
 * [votersMin, votersMax]. Changes are proposed at the member that leads; the core refuses
 * (ProposalDropped) while another change is pending.
 */
export class Operator {
  readonly stats: OperatorStats = { transfers: 0, confChanges: 0 };
  private nextId: bigint;

  constructor(
    private readonly prng: Prng,
    private readonly settings: OperatorSettings,
    private readonly cluster: Cluster,
  ) {
    this.nextId = BigInt(cluster.members.size + 1);
  }

  tick(now: number): void {
    if (!this.prng.chance(this.settings.actionRate)) return;
    const leader = this.cluster.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.raft.status().config;
    const choice = this.prng.int(4);
    if (choice === 0) {
      const to = this.prng.pick(voters);
      if (to === leader.id) return;
      this.stats.transfers++;
      this.cluster.trace.record(now, `transfer leadership ${leader.id} -> ${to}`);
      this.cluster.act(leader.id, (m) => m.raft.transferLeader(to));
    } else if (choice === 1 && voters.length + learners.length < this.settings.votersMax + 1) {
      this.addLearner(leader, now);
    } else if (choice === 2 && learners.length > 0 && voters.length < this.settings.votersMax) {
      this.propose(leader, { type: 'AddNode', nodeId: this.prng.pick(learners) }, now);
    } else if (choice === 3 && voters.length > this.settings.votersMin) {
      this.propose(leader, { type: 'RemoveNode', nodeId: this.prng.pick(voters) }, now);
    }
  }

  private addLearner(leader: Member, now: number): void {
    if (Number(this.nextId) > this.settings.membersMax) return;
    // A new member starts empty and must learn the configuration from a snapshot: the
    // bootstrap configuration lives only in the index-0 snapshot, so a member that replayed
    // the log from index 1 would never learn the initial voters. Wait until every voter has
    // compacted index 1 away, so whoever leads sends MsgSnap.
    const { voters } = leader.raft.status().config;
    if (!voters.every((id) => this.cluster.member(id).storage.firstIndex() > 1)) return;
    const id = this.nextId++;
    this.cluster.addMember(id);
    this.propose(leader, { type: 'AddLearnerNode', nodeId: id }, now);
  }

  private propose(leader: Member, change: Omit<ConfChange, 'context'>, now: number): void {
    const full: ConfChange = { ...change, context: new Uint8Array() };
    const accepted = this.cluster.act(leader.id, (m) => m.raft.proposeConfChange(full));
    if (accepted) this.stats.confChanges++;
    this.cluster.trace.record(
      now,
      `propose ${change.type} ${change.nodeId} at ${leader.id}${accepted ? '' : ': dropped'}`,
    );
  }
}
