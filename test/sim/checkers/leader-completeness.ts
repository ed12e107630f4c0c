import type { NodeId } from '../../../src/raft/types.js';
import type { Violations } from '../violations.js';
import type { PersistedLog } from './log-matching.js';

/** A member that currently believes it leads, with its persisted log. */
export interface LeaderView {
  readonly id: NodeId;
  readonly term: number;
  readonly log: PersistedLog;
}

/**
 * Leader Completeness (Raft paper, Figure 3 and section 5.4): if an entry is committed in a
 * given term, it is present in the logs of the leaders of all higher terms.
 *
 * An entry counts as committed once any member applied it. The term it was committed in is
 * at most the newest leader's term at that moment (its committing leader was elected by
 * then), so each leader is checked, when elected, against every entry committed while only
 * older terms had leaders, and the newest leader is checked again whenever a new entry is
 * committed. A stale leader of an older term may lack an entry a newer leader committed.
 * Entries a leader has compacted into its snapshot are not checked here (state machine
 * safety covers what the snapshot holds).
 */
export class LeaderCompleteness {
  // index -> the entry's term, and the newest leader term when its commit was first seen
  private readonly committed = new Map<number, { term: number; committedBy: number }>();
  private newestTerm = 0;

  constructor(private readonly violations: Violations) {}

  committedEntry(index: number, term: number, leaders: Iterable<LeaderView>): void {
    if (this.committed.has(index)) return;
    this.committed.set(index, { term, committedBy: this.newestTerm });
    for (const leader of leaders) {
      if (leader.term > term && leader.term >= this.newestTerm) this.check(leader, index, term);
    }
  }

  leaderElected(leader: LeaderView): void {
    this.newestTerm = Math.max(this.newestTerm, leader.term);
    for (const [index, { term, committedBy }] of this.committed) {
      if (term < leader.term && committedBy < leader.term) this.check(leader, index, term);
    }
  }

  private check(leader: LeaderView, index: number, term: number): void {
    if (index < leader.log.firstIndex()) return;
    const has = index <= leader.log.lastIndex() ? leader.log.term(index) : undefined;
    if (has !== term) {
      this.violations.report(
        'leader completeness',
        `leader ${leader.id} of term ${leader.term} lacks committed entry ${index} ` +
          `(term ${term}); its log has ${has === undefined ? 'nothing' : `term ${has}`} there`,
      );
    }
  }
}
