import type { NodeId } from '../../../src/raft/types.js';
import type { WriteId } from '../state-machine.js';
import type { Violations } from '../violations.js';

/**
 * State Machine Safety (Raft paper, Figure 3 and section 5.4.3): if a member has applied a
 * log entry at a given index, no other member ever applies a different entry at that index.
 * Equivalently, every member's applied sequence is a prefix of one sequence.
 *
 * Checked at two levels: the entries applied at each index (term and data), and the
 * resulting sequence of client writes, which is also what a snapshot carries.
 */
export class StateMachineSafety {
  private readonly entries = new Map<number, string>(); // index -> `${term}:${data}`
  private readonly order: WriteId[] = []; // the one sequence of writes
  private readonly lastApplied = new Map<NodeId, number>();

  constructor(private readonly violations: Violations) {}

  /** The member (re)started or installed a snapshot: it next applies `index + 1`. */
  restored(member: NodeId, index: number, writes: readonly WriteId[]): void {
    this.lastApplied.set(member, index);
    for (const [position, id] of writes.entries()) this.writeApplied(member, position, id);
  }

  applied(member: NodeId, index: number, term: number, data: string): void {
    const last = this.lastApplied.get(member) ?? 0;
    if (index !== last + 1) {
      this.violations.report(
        'state machine safety',
        `member ${member} applied index ${index} after ${last}`,
      );
    }
    this.lastApplied.set(member, index);
    const value = `${term}:${data}`;
    const earlier = this.entries.get(index);
    if (earlier === undefined) {
      this.entries.set(index, value);
    } else if (earlier !== value) {
      this.violations.report(
        'state machine safety',
        `member ${member} applied ${value} at index ${index}, another member applied ${earlier}`,
      );
    }
  }

  writeApplied(member: NodeId, position: number, id: WriteId): void {
    if (position === this.order.length) {
      this.order.push(id);
    } else if (this.order[position] !== id) {
      this.violations.report(
        'state machine safety',
        position > this.order.length
          ? `member ${member} applied write ${id} at position ${position}, past the ${this.order.length} known`
          : `member ${member} applied write ${id} at position ${position}, another member applied ${this.order[position]}`,
      );
    }
  }

  get writes(): readonly WriteId[] {
    return this.order;
  }
}
