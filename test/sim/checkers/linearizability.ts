import type { WriteId } from '../state-machine.js';
import type { Violations } from '../violations.js';

interface PendingRead {
  readonly invokedAt: number;
  /** The read must observe at least this many writes of the one sequence (see readInvoked). */
  readonly required: number;
}

/**
 * Linearizable reads (ReadIndex, Raft dissertation section 6.4), checked against the client
 * history. State machine safety already gives one total order of writes, and a read returns a
 * prefix of it, so a read is linearizable only if:
 *
 * 1. it includes every write whose commit was acknowledged to its client before the read was
 *    invoked (no stale read);
 * 2. it includes no write that had not been invoked when the read completed (no value from
 *    the future);
 * 3. it includes at least what any read that completed before it was invoked included (reads
 *    never go back in time).
 *
 * Times are the history's logical clock: strictly increasing, one per client event.
 */
export class Linearizability {
  private readonly invoked = new Map<WriteId, number>(); // first invocation time
  private readonly reads = new Map<string, PendingRead>();
  // The longest prefix any acknowledged write or completed read has pinned down so far.
  private ackedPrefix = 0;
  private readPrefix = 0;
  private completedReads = 0;

  constructor(private readonly violations: Violations) {}

  writeInvoked(id: WriteId, time: number): void {
    if (!this.invoked.has(id)) this.invoked.set(id, time);
  }

  /** The write's client was told it committed; it sits at `position` of the one sequence. */
  writeAcked(_id: WriteId, position: number): void {
    this.ackedPrefix = Math.max(this.ackedPrefix, position + 1);
  }

  readInvoked(readId: string, time: number): void {
    this.reads.set(readId, {
      invokedAt: time,
      required: Math.max(this.ackedPrefix, this.readPrefix),
    });
  }

  /** The read returned `observed`, the writes applied at the member that served it. */
  readCompleted(readId: string, time: number, observed: readonly WriteId[]): void {
    const read = this.reads.get(readId);
    if (read === undefined) return; // abandoned by its client, or never recorded
    this.reads.delete(readId);
    this.completedReads++;
    if (observed.length < read.required) {
      this.violations.report(
        'linearizability',
        `read ${readId} (invoked at history time ${read.invokedAt}) saw ${observed.length} writes, but ` +
          `${read.required} were acknowledged or read before it was invoked (stale read)`,
      );
    }
    for (const id of observed) {
      const invokedAt = this.invoked.get(id);
      if (invokedAt === undefined || invokedAt > time) {
        this.violations.report(
          'linearizability',
          `read ${readId} (completed at history time ${time}) saw write ${id}, which was not invoked yet`,
        );
        break;
      }
    }
    this.readPrefix = Math.max(this.readPrefix, observed.length);
  }

  /** The client gave up on the read (timeout); its result, if any, is no longer checked. */
  readAbandoned(readId: string): void {
    this.reads.delete(readId);
  }

  get readsCompleted(): number {
    return this.completedReads;
  }
}
