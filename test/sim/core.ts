import type { ValidRaftConfig } from '../../src/raft/config.js';
import { Raft } from '../../src/raft/raft.js';
import { RawNode } from '../../src/raft/raw-node.js';
import type { SimBug } from './bugs.js';
import type { CreateNode } from './raft-node.js';

/**
 * Planted bug `commitEarlierTerm`: the leader commits the highest index a majority holds
 * whatever its term, i.e. by counting replicas of an earlier term's entry. Raft paper section
 * 5.4.2 and Figure 8 show how such an entry can still be overwritten by a later leader.
 */
export class EarlyCommitRaft extends Raft {
  protected override maybeCommitIndex(): boolean {
    const index = this.tracker.committed();
    const term = this.log.term(index);
    return term !== undefined && this.log.maybeCommit(index, term);
  }
}

/** Builds the production RawNode, with the core-level planted bugs of `bugs`. */
export function productionNodes(bugs: ReadonlySet<SimBug>): CreateNode {
  if (bugs.has('commitEarlierTerm')) {
    return (config) =>
      new RawNode(config, { createRaft: (valid: ValidRaftConfig) => new EarlyCommitRaft(valid) });
  }
  return (config) => new RawNode(config);
}
