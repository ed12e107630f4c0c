import type { RaftStorage } from '../../../src/raft/storage.js';
import type { Entry, NodeId } from '../../../src/raft/types.js';
import type { Violations } from '../violations.js';

/** The part of a member's persisted log the checkers read. */
export type PersistedLog = Pick<RaftStorage, 'firstIndex' | 'lastIndex' | 'term' | 'entries'>;

/**
 * Log Matching (Raft paper, Figure 3 and section 5.3): if two logs contain an entry with the
 * same index and term, the logs are identical in all entries up through that index.
 *
 * Checked on what members persist, by induction on the index: every (index, term) ever
 * persisted anywhere must always come with the same data and the same previous term. Two logs
 * that agree on (index, term) then agree on the entry before it, and so on down to their
 * snapshots. `checkPair` does the direct comparison, for the end of a run and for tests.
 */
export class LogMatching {
  // `${index}:${term}` -> `${previous term}|${data}` of the first log that persisted it.
  private readonly seen = new Map<string, string>();

  constructor(private readonly violations: Violations) {}

  /** `entries` were just appended to `log` (entries behind its first index were ignored). */
  persisted(member: NodeId, log: PersistedLog, entries: readonly Entry[]): void {
    const first = log.firstIndex();
    let previousTerm: number | undefined;
    for (const entry of entries) {
      if (entry.index < first) continue;
      previousTerm ??= log.term(entry.index - 1);
      const key = `${entry.index}:${entry.term}`;
      const value = `${previousTerm}|${dataKey(entry.data)}`;
      const earlier = this.seen.get(key);
      if (earlier === undefined) {
        this.seen.set(key, value);
      } else if (earlier !== value) {
        this.violations.report(
          'log matching',
          `member ${member} persisted entry ${key} as ${value}, another log has ${earlier}`,
        );
      }
      previousTerm = entry.term;
    }
  }

  /** Compares two whole persisted logs over the indexes both still hold. */
  checkPair(a: { id: NodeId; log: PersistedLog }, b: { id: NodeId; log: PersistedLog }): void {
    const low = Math.max(a.log.firstIndex(), b.log.firstIndex());
    const high = Math.min(a.log.lastIndex(), b.log.lastIndex());
    let match = 0;
    for (let index = high; index >= low; index--) {
      if (a.log.term(index) === b.log.term(index)) {
        match = index;
        break;
      }
    }
    for (let index = low; index <= match; index++) {
      const x = a.log.entries(index, index + 1, Infinity)[0]!;
      const y = b.log.entries(index, index + 1, Infinity)[0]!;
      if (x.term !== y.term || dataKey(x.data) !== dataKey(y.data)) {
        this.violations.report(
          'log matching',
          `members ${a.id} and ${b.id} agree on index ${match} but differ at ${index}: ` +
            `term ${x.term} vs ${y.term}`,
        );
        return;
      }
    }
  }
}

/** A printable key for entry data (the simulator's entries are short UTF-8 or encoded conf changes). */
export function dataKey(data: Uint8Array): string {
  let key = '';
  for (const byte of data) key += byte.toString(16).padStart(2, '0');
  return key;
}
