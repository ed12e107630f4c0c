import type { Prng } from '../../src/base/prng.js';
import type { ConfChange, NodeId } from '../../src/raft/types.js';
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

/** Per tick, while a member's disk has failed: the chance the operator removes it. */
const replaceRate = 0.05;

export interface OperatorStats {
  transfers: number;
  confChanges: number;
}

/**
 * The cluster's operator: leader transfers and single-member changes (add a learner, promote
 * it, remove a learner, remove a voter, the leader included), keeping the voters within
 * [votersMin, votersMax]. A member whose disk failed is removed first, whatever the voter
 * count, as an operator would replace a dead machine. Changes are proposed at the member that
 * leads; the core refuses (ProposalDropped) while another change is pending.
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

  async tick(now: number): Promise<void> {
    const failed = this.cluster.current().find((member) => member.failed);
    if (failed !== undefined && this.prng.chance(replaceRate)) {
      await this.removeFailed(failed.id, now);
    }
    if (!this.prng.chance(this.settings.actionRate)) return;
    const leader = this.cluster.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.raft.status().config;
    const choice = this.prng.int(5);
    if (choice === 0) {
      const to = this.prng.pick(voters);
      if (to === leader.id) return;
      this.stats.transfers++;
      this.cluster.trace.record(now, `transfer leadership ${leader.id} -> ${to}`);
      await this.cluster.act(leader.id, (m) => m.raft.transferLeader(to));
    } else if (choice === 1 && voters.length + learners.length < this.settings.votersMax + 1) {
      await this.addLearner(leader, now);
    } else if (choice === 2 && learners.length > 0 && voters.length < this.settings.votersMax) {
      await this.propose(leader, { type: 'AddNode', nodeId: this.prng.pick(learners) }, now);
    } else if (choice === 3 && voters.length > this.settings.votersMin) {
      await this.propose(leader, { type: 'RemoveNode', nodeId: this.prng.pick(voters) }, now);
    } else if (choice === 4 && learners.length > 0) {
      await this.propose(leader, { type: 'RemoveNode', nodeId: this.prng.pick(learners) }, now);
    }
  }

  private async removeFailed(id: NodeId, now: number): Promise<void> {
    const leader = this.cluster.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.raft.status().config;
    if (voters.includes(id) || learners.includes(id)) {
      await this.propose(leader, { type: 'RemoveNode', nodeId: id }, now);
    }
  }

  private async addLearner(leader: Member, now: number): Promise<void> {
    if (Number(this.nextId) > this.settings.membersMax) return;
    // A new member starts empty: it learns the configuration by replaying the log from
    // index 1 (the bootstrap AddNode entries) or from whatever snapshot the leader has.
    const id = this.nextId++;
    await this.cluster.addMember(id);
    await this.propose(leader, { type: 'AddLearnerNode', nodeId: id }, now);
  }

  private async propose(
    leader: Member,
    change: Omit<ConfChange, 'context'>,
    now: number,
  ): Promise<void> {
    const full: ConfChange = { ...change, context: new Uint8Array() };
    const accepted = await this.cluster.act(leader.id, (m) => m.raft.proposeConfChange(full));
    if (accepted) this.stats.confChanges++;
    this.cluster.trace.record(
      now,
      `propose ${change.type} ${change.nodeId} at ${leader.id}${accepted ? '' : ': dropped'}`,
    );
  }
}
