import type { NodeId } from '../../../src/raft/types.js';
import type { Violations } from '../violations.js';

/**
 * Election Safety (Raft paper, Figure 3): at most one leader can be elected in a given term.
 * Fed every time a member becomes leader; remembers the first leader of each term.
 */
export class ElectionSafety {
  private readonly leaders = new Map<number, NodeId>();

  constructor(private readonly violations: Violations) {}

  leaderElected(id: NodeId, term: number): void {
    const first = this.leaders.get(term);
    if (first === undefined) {
      this.leaders.set(term, id);
    } else if (first !== id) {
      this.violations.report('election safety', `two leaders in term ${term}: ${first} and ${id}`);
    }
  }

  /** Terms that had a leader. */
  get elections(): number {
    return this.leaders.size;
  }
}
