import { ConcordError } from '../base/errors.js';
import type { ConfChange, ConfState, NodeId } from './types.js';

/**
 * The configuration after one change. Only one voter may change at a time (Raft
 * dissertation section 4.1: any two majorities of configurations that differ by one voter
 * overlap), so this never needs a joint configuration. Adding a learner as a voter promotes
 * it; adding a voter as a learner demotes it.
 */
export function applyChange(confState: ConfState, change: ConfChange): ConfState {
  if (change.type === 'UpdateNode') return confState;
  const voters = confState.voters.filter((id) => id !== change.nodeId);
  const learners = confState.learners.filter((id) => id !== change.nodeId);
  switch (change.type) {
    case 'AddNode':
      voters.push(change.nodeId);
      break;
    case 'AddLearnerNode':
      learners.push(change.nodeId);
      break;
    case 'RemoveNode':
      break;
  }
  if (voters.length === 0) {
    throw new ConcordError('InvalidArgument', `removing member ${change.nodeId} leaves no voters`);
  }
  return { voters, learners };
}

/** How many voters differ between two configurations (symmetric difference). */
export function votersChanged(a: ConfState, b: ConfState): number {
  const inA = new Set<NodeId>(a.voters);
  const inB = new Set<NodeId>(b.voters);
  let n = 0;
  for (const id of inA) if (!inB.has(id)) n++;
  for (const id of inB) if (!inA.has(id)) n++;
  return n;
}
