/**
 * The chaos checkers, one per workload. Each takes the recorded history (or what a workload
 * keeps beside it) and returns a `CheckResult`: `valid` true, false (with anomalies) or
 * 'unknown' (out of budget); the report (../report) renders any of them.
 *
 * @example
 *   const events = recorder.events();
 *   const results = [
 *     checkLinearizability(events, { timeBudgetMs: 20_000 }), // registers, per key
 *     checkTxns(events), // list-append txns: strict serializability
 *     checkWatches({ ...committedChanges(pairOperations(events)), watchers }),
 *     checkLeases(events, { toleranceMs: 1500 }),
 *     checkFencing({ resourceLog, holds: holdsFromHistory(pairOperations(events)) }),
 *   ];
 */
export { checkFencing, holdsFromHistory } from './fencing.js';
export type { FencingInput, Hold, HoldOptions, ResourceWrite } from './fencing.js';
export { checkLeases } from './lease.js';
export type { LeaseOptions, LeaseResult } from './lease.js';
export { checkLinearizability } from './linearizability.js';
export type {
  LinearizabilityOptions,
  LinearizabilityResult,
  NonLinearizable,
} from './linearizability.js';
export type { Model } from './model.js';
export { registerModel } from './register-model.js';
export type { Anomaly, CheckResult, Validity } from './result.js';
export { combineValidity } from './result.js';
export { checkTxns } from './txn.js';
export type { TxnCycle, TxnResult } from './txn.js';
export { checkWatches, committedChanges } from './watch.js';
export type {
  WatchAnomaly,
  WatchCheckInput,
  WatchEvent,
  WatcherLog,
  WatchResult,
  WatchSession,
} from './watch.js';
