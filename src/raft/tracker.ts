import { assert } from '../base/assert.js';
import type { Progress } from './progress.js';
import type { VoteResult } from './quorum.js';
import { majorityCommitted, majorityVoteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

/**
 * The leader's view of the membership: the configuration (voters and learners), each
 * member's replication progress, and the votes of an election in flight.
 */
export class ProgressTracker {
  // Invariant: voters and learners are disjoint and sorted; progress has exactly their keys.
  private votersList: NodeId[] = [];
  private learnersList: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(readonly inflightMessagesMax: number) {}

  get voters(): readonly NodeId[] {
    return this.votersList;
  }

  get learners(): readonly NodeId[] {
    return this.learnersList;
  }

  isVoter(id: NodeId): boolean {
    return this.votersList.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  confState(): ConfState {
    return { voters: [...this.votersList], learners: [...this.learnersList] };
  }

  /** Replaces the configuration; members who stay keep their progress. */
  setConfig(confState: ConfState, newProgress: (id: NodeId, isLearner: boolean) => Progress): void {
    const voters = sortedUnique(confState.voters);
    const learners = sortedUnique(confState.learners);
    for (const id of learners) {
      assert(!voters.includes(id), () => `member ${id} is both voter and learner`);
    }
    this.votersList = voters;
    this.learnersList = learners;
    const members = new Set([...voters, ...learners]);
    for (const id of [...this.progress.keys()]) {
      if (!members.has(id)) this.progress.delete(id);
    }
    for (const id of members) {
      const isLearner = learners.includes(id);
      const pr = this.progress.get(id);
      if (pr === undefined) this.progress.set(id, newProgress(id, isLearner));
      else pr.isLearner = isLearner;
    }
  }

  /** The highest index acknowledged by a majority of voters. */
  committed(): number {
    return majorityCommitted(this.votersList, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** True when a majority of voters was heard from recently (the leader counts itself). */
  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const id of this.votersList) {
      const pr = this.progress.get(id);
      votes.set(id, id === self || (pr?.recentActive ?? false));
    }
    return majorityVoteResult(this.votersList, votes) === 'Won';
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (only the first from each member counts) and tallies. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.votersList) {
      const vote = this.votes.get(id);
      if (vote === true) granted++;
      else if (vote === false) rejected++;
    }
    return { granted, rejected, result: majorityVoteResult(this.votersList, this.votes) };
  }
}

function sortedUnique(ids: readonly NodeId[]): NodeId[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
