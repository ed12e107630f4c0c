import type { NodeId } from './types.js';

export type VoteResult = 'Pending' | 'Lost' | 'Won';

/**
 * The largest index that a majority of `voters` has acknowledged (Raft paper section 5.3).
 * `match` gives each voter's acknowledged index (missing means 0).
 */
export function majorityCommitted(
  voters: readonly NodeId[],
  match: (id: NodeId) => number,
): number {
  const n = voters.length;
  if (n === 0) return Number.MAX_SAFE_INTEGER; // an empty config commits nothing itself
  // Insertion sort, descending: a handful of voters, and this runs on every acknowledgement,
  // where Array.prototype.sort's work arrays were 2.6 KB of a leader's garbage per write.
  const indexes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const index = match(voters[i]!);
    let j = i;
    for (; j > 0 && indexes[j - 1]! < index; j--) indexes[j] = indexes[j - 1]!;
    indexes[j] = index;
  }
  return indexes[Math.floor(n / 2)]!;
}

/** Tallies an election: won with a majority of grants, lost once a majority cannot be had. */
export function majorityVoteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const quorum = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  if (granted >= quorum) return 'Won';
  if (granted + missing >= quorum) return 'Pending';
  return 'Lost';
}
