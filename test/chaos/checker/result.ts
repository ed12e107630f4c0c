import type { Operation } from '../history/operation.js';

/**
 * Knossos' and Jepsen's three verdicts: `true` (checked, holds), `false` (an anomaly, shown),
 * `'unknown'` (the search ran out of budget before deciding; not a pass).
 */
export type Validity = true | false | 'unknown';

/** One thing a checker found wrong, with enough context for the report and the timeline. */
export interface Anomaly {
  /** Which checker: 'linearizability', 'txn', 'watch', 'lease', 'fencing'. */
  readonly checker: string;
  /** The anomaly's name from the literature where there is one: 'G0', 'G1c', 'G2',
   *  'lost-update', 'nonlinearizable', 'gap', 'duplicate', 'expired-early', 'stale-token'. */
  readonly kind: string;
  readonly key?: string;
  /** One or a few sentences a person can act on. */
  readonly message: string;
  /** The operations involved (highlighted on the timeline); may be empty (a watch event). */
  readonly ops: readonly Operation[];
  /** Of those, the one(s) at the heart of it (the read that cannot be explained): drawn
   *  strongest. Default: none singled out. */
  readonly focus?: readonly Operation[];
}

/** What every checker returns; some add their own details beside these fields. */
export interface CheckResult {
  readonly checker: string;
  readonly valid: Validity;
  readonly anomalies: readonly Anomaly[];
  /** Why the verdict is 'unknown', or other notes for the report. */
  readonly notes?: readonly string[];
}

/** Combines verdicts: any anomaly is a failure; otherwise any unknown is unknown. */
export function combineValidity(verdicts: readonly Validity[]): Validity {
  if (verdicts.includes(false)) return false;
  if (verdicts.includes('unknown')) return 'unknown';
  return true;
}
