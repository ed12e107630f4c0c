/**
 * Bugs the harness can plant, to prove each checker can fail ("a checker that never fires
 * checks nothing"):
 *
 * - `doubleVote`: a member that already voted in a term grants a second candidate too (its
 *   rejecting MsgVoteResp is forged into a grant). Election safety must fire.
 * - `commitEarlierTerm`: the leader commits by counting replicas of an earlier term's entry,
 *   skipping the current-term check of Raft paper section 5.4.2 (Figure 8). Leader
 *   completeness / state machine safety must fire.
 * - `ackBeforePersist`: members send acks and votes before persisting, and crash in between.
 *   A committed entry can then vanish.
 * - `localRead`: a member that believes it leads serves reads from its own state machine,
 *   without ReadIndex's round of heartbeats. Under partitions a deposed leader serves stale
 *   data; linearizability must fire.
 */
export type SimBug = 'doubleVote' | 'commitEarlierTerm' | 'ackBeforePersist' | 'localRead';

export const simBugs: readonly SimBug[] = [
  'doubleVote',
  'commitEarlierTerm',
  'ackBeforePersist',
  'localRead',
];
