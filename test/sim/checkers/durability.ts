import type { MemoryStorage } from '../../../src/raft/storage.js';
import type { NodeId } from '../../../src/raft/types.js';
import { None } from '../../../src/raft/types.js';
import type { ReadyUpdate } from '../member-log.js';
import type { Violations } from '../violations.js';

/**
 * Durability (DESIGN.md promise 2): a member that crashes loses nothing it had made durable,
 * and a member whose disk is damaged refuses to start rather than serve wrong data.
 *
 * On every restart of a disk-backed member, what it recovered is compared with what its
 * durable log held when it died: the hard state must not go back (term, vote, commit) and
 * every entry persisted before must still be there, except those a persist under way at the
 * crash was replacing (a newer leader's entries; none of them was acknowledged yet). A disk
 * that refuses to open ('Corrupt') is correct only if the crash damaged it.
 *
 * Also counts the entries of interrupted persists that the crash lost: proof that the disk
 * mode's crashes do lose unsynced data.
 */
export class Durability {
  /** Entries of interrupted persists that did not survive the crash. */
  entriesLost = 0;
  /** Restarts that found the disk damaged (and refused to start, as they must). */
  refusals = 0;

  constructor(private readonly violations: Violations) {}

  refused(member: NodeId, message: string, damaged: boolean): void {
    if (damaged) {
      this.refusals++;
      return;
    }
    this.violations.report(
      'durability',
      `member ${member} refused to start on an undamaged disk: ${message}`,
    );
  }

  recovered(
    member: NodeId,
    before: MemoryStorage,
    inFlight: ReadyUpdate | undefined,
    after: MemoryStorage,
  ): void {
    const lost = lostHardState(before, after) ?? lostEntry(before, inFlight, after);
    if (lost !== undefined) {
      this.violations.report('durability', `member ${member} restarted without ${lost}`);
    }
    for (const entry of inFlight?.entries ?? []) {
      if (entry.index < after.firstIndex()) continue; // covered by a snapshot
      if (entry.index > after.lastIndex() || after.term(entry.index) !== entry.term) {
        this.entriesLost++;
      }
    }
  }
}

function lostHardState(before: MemoryStorage, after: MemoryStorage): string | undefined {
  const b = before.initialState().hardState;
  const a = after.initialState().hardState;
  const sameVote = a.term > b.term || b.vote === None || a.vote === b.vote;
  if (a.term >= b.term && sameVote && a.commit >= b.commit) return undefined;
  return (
    `its hard state (term ${b.term}, vote ${b.vote}, commit ${b.commit}); ` +
    `it recovered term ${a.term}, vote ${a.vote}, commit ${a.commit}`
  );
}

function lostEntry(
  before: MemoryStorage,
  inFlight: ReadyUpdate | undefined,
  after: MemoryStorage,
): string | undefined {
  // A snapshot under way may replace the whole log; what survives is checked by the others.
  if (inFlight?.snapshot !== undefined) return undefined;
  const replacedFrom = inFlight?.entries[0]?.index ?? Infinity;
  const index = Math.min(before.lastIndex(), replacedFrom - 1);
  if (index < before.firstIndex() || index < after.firstIndex()) return undefined;
  const term = before.term(index);
  if (index <= after.lastIndex() && after.term(index) === term) return undefined;
  return `entry ${index} (term ${term}); it recovered up to ${after.lastIndex()}`;
}
