import type { Raft } from '../../../src/raft/raft.js';
import { None, type StateType } from '../../../src/raft/types.js';

/** The parts of a member's volatile state whose changes the trace reports. */
export interface Observation {
  readonly state: StateType;
  readonly term: number;
  readonly vote: bigint;
  readonly progress: ReadonlyMap<bigint, string>;
}

export function observe(r: Raft): Observation {
  const progress = new Map<bigint, string>();
  if (r.state === 'Leader') {
    for (const [id, pr] of r.tracker.progress) progress.set(id, pr.toString());
  }
  return { state: r.state, term: r.term, vote: r.vote, progress };
}

const stateNames: Record<StateType, string> = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
};

/** Lines describing state changes, in the words of etcd-io/raft's log. */
export function describeChange(id: bigint, a: Observation, b: Observation): string[] {
  const lines: string[] = [];
  if (a.state !== b.state || a.term !== b.term) {
    lines.push(`${id} became ${stateNames[b.state]} at term ${b.term}`);
  }
  if (b.vote !== None && b.vote !== id && (a.vote !== b.vote || a.term !== b.term)) {
    lines.push(`${id} voted for ${b.vote} at term ${b.term}`);
  }
  return lines;
}

/** The leader's per-follower progress changes (debug level). */
export function describeProgressChange(id: bigint, a: Observation, b: Observation): string[] {
  if (a.state !== 'Leader' || b.state !== 'Leader' || a.term !== b.term) return [];
  const lines: string[] = [];
  for (const [peer, now] of b.progress) {
    const before = a.progress.get(peer);
    if (peer !== id && before !== now) {
      lines.push(`${id}: progress of ${peer}: ${before ?? '(new)'} -> ${now}`);
    }
  }
  return lines;
}
