import type { Operation } from '../history/operation.js';
import type { Anomaly, CheckResult } from './result.js';

/** A change the cluster committed: etcd's mvccpb.Event reduced to what a watcher compares. */
export interface WatchEvent {
  /** The revision that made the change (the kv's mod_revision; a delete's header revision). */
  readonly revision: number;
  readonly key: string;
  readonly type: 'put' | 'delete';
  /** The value put; null for a delete. */
  readonly value: string | null;
  /** The write that made it, when known (committedChanges sets it): drawn on the timeline. */
  readonly op?: Operation;
}

/** One watch stream, from its (re)connection until it ended. */
export interface WatchSession {
  /** The start_revision it asked for: the last revision received + 1 when resuming. */
  readonly startRevision: number;
  /** What it received, in the order it received it. */
  readonly events: readonly WatchEvent[];
  /** A revision the session is known to have caught up to (a progress notification, or the
   *  harness waited for the final revision): every event up to it must have arrived. */
  readonly caughtUpTo?: number;
  /** Set when etcd refused the session because its start revision was compacted: the
   *  response's compact_revision. Changes from the start revision up to it can no longer be
   *  delivered, so they are not gaps; the next session resumes from it. */
  readonly compactRevision?: number;
}

export interface WatcherLog {
  readonly watcher: string;
  /** The watched range, etcd's way: `key` alone; [key, rangeEnd); or every key >= key when
   *  rangeEnd is "\0". */
  readonly key: string;
  readonly rangeEnd?: string;
  readonly sessions: readonly WatchSession[];
}

export interface WatchCheckInput {
  /** Every committed change, from the writes' responses. */
  readonly committed: readonly WatchEvent[];
  /** Writes whose outcome is unknown (`info`): a watcher may see them, at a revision nobody
   *  else learnt. Matched by key, type and value. */
  readonly indeterminate?: readonly Omit<WatchEvent, 'revision'>[];
  readonly watchers: readonly WatcherLog[];
}

export interface WatchAnomaly extends Anomaly {
  readonly checker: 'watch';
  /** 'reorder', 'duplicate', 'gap', 'wrong-value', 'phantom', 'out-of-range'. */
  readonly kind: string;
  readonly watcher: string;
  /** The revisions concerned (the first few). */
  readonly revisions: readonly number[];
}

export interface WatchResult extends CheckResult {
  readonly checker: 'watch';
  readonly anomalies: readonly WatchAnomaly[];
  readonly watchers: number;
  readonly events: number;
}

const revisionsShownMax = 10;

/**
 * Checks etcd's watch guarantees (etcd API guarantees, "Watch"): each watcher's events,
 * across its reconnections, are ordered by revision, never duplicated, and exactly the
 * committed changes in its range from its first start revision, with none missing (gapless)
 * before the last revision it received, or up to one it is known to have caught up to.
 *
 * @example
 *   checkWatches({ committed, watchers: [{ watcher: 'w1', key: 'k', rangeEnd: 'l',
 *     sessions: [{ startRevision: 1, events: [...] }, { startRevision: 9, events: [...] }] }] });
 */
export function checkWatches(input: WatchCheckInput): WatchResult {
  const committed = new Map(input.committed.map((e) => [identity(e), e]));
  const maybe = new Set(
    (input.indeterminate ?? []).map((e) => JSON.stringify([e.key, e.type, e.value])),
  );
  const anomalies: WatchAnomaly[] = [];
  let events = 0;
  for (const log of input.watchers) {
    const found = new Map<string, number[]>();
    const flag = (kind: string, revision: number): void => {
      found.set(kind, [...(found.get(kind) ?? []), revision]);
    };
    const inRange = rangeOf(log);
    const received = new Set<string>();
    let previous = 0;
    let upTo = 0;
    for (const session of log.sessions) {
      upTo = Math.max(upTo, session.caughtUpTo ?? 0);
      for (const event of session.events) {
        events++;
        const id = identity(event);
        if (received.has(id)) flag('duplicate', event.revision);
        else if (event.revision < previous) flag('reorder', event.revision);
        received.add(id);
        previous = Math.max(previous, event.revision);
        // Revisions before one received are complete; the last one's events may still have
        // been arriving when the session ended (a txn's events can span responses).
        upTo = Math.max(upTo, event.revision - 1);
        if (!inRange(event.key)) flag('out-of-range', event.revision);
        const truth = committed.get(id);
        if (truth === undefined) {
          if (!maybe.has(JSON.stringify([event.key, event.type, event.value])))
            flag('phantom', event.revision);
        } else if (truth.type !== event.type || truth.value !== event.value) {
          flag('wrong-value', event.revision);
        }
      }
    }
    const from = Math.min(...log.sessions.map((s) => s.startRevision));
    const compacted = log.sessions.flatMap((s) =>
      s.compactRevision === undefined ? [] : [[s.startRevision, s.compactRevision] as const],
    );
    const lost = (revision: number): boolean =>
      compacted.some(([start, compact]) => revision >= start && revision < compact);
    for (const truth of input.committed) {
      if (
        truth.revision >= from &&
        truth.revision <= upTo &&
        inRange(truth.key) &&
        !received.has(identity(truth)) &&
        !lost(truth.revision)
      ) {
        flag('gap', truth.revision);
      }
    }
    for (const [kind, revisions] of found)
      anomalies.push(describe(log, kind, revisions, from, upTo, input.committed));
  }
  return {
    checker: 'watch',
    valid: anomalies.length === 0,
    anomalies,
    watchers: input.watchers.length,
    events,
  };
}

const explanations: Record<string, string> = {
  duplicate: 'received the same event twice',
  reorder: 'received an event after one of a later revision',
  gap: 'never received committed changes in its range',
  'wrong-value': 'received events that differ from what was committed at that revision',
  phantom: 'received events for changes that were never committed',
  'out-of-range': 'received events for keys outside its range',
};

function describe(
  log: WatcherLog,
  kind: string,
  revisions: number[],
  from: number,
  upTo: number,
  committed: readonly WatchEvent[],
): WatchAnomaly {
  const sorted = [...new Set(revisions)].sort((a, b) => a - b);
  const shownRevisions = new Set(sorted.slice(0, revisionsShownMax));
  const shown =
    sorted.slice(0, revisionsShownMax).join(', ') +
    (sorted.length > revisionsShownMax ? ', ...' : '');
  const range =
    log.rangeEnd === undefined ? log.key : `[${log.key}, ${JSON.stringify(log.rangeEnd)})`;
  return {
    checker: 'watch',
    kind,
    key: log.key,
    watcher: log.watcher,
    revisions: sorted.slice(0, revisionsShownMax),
    message: `watcher ${log.watcher} on ${range} (revisions ${from}..${upTo}, ${log.sessions.length} session(s)) ${explanations[kind] ?? kind}: revision(s) ${shown}`,
    // The writes behind the first revisions concerned, so the timeline shows them.
    ops: committed
      .filter((e) => e.op !== undefined && shownRevisions.has(e.revision))
      .map((e) => e.op!),
  };
}

function identity(event: WatchEvent): string {
  return `${event.revision}\u0000${event.key}`;
}

function rangeOf(log: WatcherLog): (key: string) => boolean {
  const { key, rangeEnd } = log;
  if (rangeEnd === undefined || rangeEnd === '') return (k) => k === key;
  if (rangeEnd === '\0') return (k) => k >= key;
  return (k) => k >= key && k < rangeEnd;
}

/**
 * The committed changes and indeterminate writes of a history, for `checkWatches`: `write`
 * and `delete` operations whose ok value carries the revision ({"revision": 12}, FORMAT.md).
 */
export function committedChanges(
  ops: readonly Operation[],
): Pick<WatchCheckInput, 'committed' | 'indeterminate'> {
  const committed: WatchEvent[] = [];
  const indeterminate: Omit<WatchEvent, 'revision'>[] = [];
  for (const op of ops) {
    if ((op.f !== 'write' && op.f !== 'delete') || op.key === undefined) continue;
    const type = op.f === 'write' ? 'put' : 'delete';
    const value = type === 'put' ? String(op.input) : null;
    const output = op.output as { revision?: unknown } | undefined;
    if (op.type === 'ok' && typeof output?.revision === 'number')
      committed.push({ revision: output.revision, key: op.key, type, value, op });
    else if (op.type === 'info') indeterminate.push({ key: op.key, type, value });
  }
  return { committed: committed.sort((a, b) => a.revision - b.revision), indeterminate };
}
