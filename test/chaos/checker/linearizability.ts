import type { HistoryEvent } from '../history/event.js';
import type { Operation } from '../history/operation.js';
import { toOperations } from '../history/operation.js';
import type { Model } from './model.js';
import { partitionByKey } from './partition.js';
import type { RegisterValue } from './register-model.js';
import { registerModel } from './register-model.js';
import type { Anomaly, CheckResult } from './result.js';
import { combineValidity } from './result.js';
import type { Deepest } from './wing-gong-lowe.js';
import { searchLinearization } from './wing-gong-lowe.js';

export interface LinearizabilityOptions<State> {
  /** Default: the register model (read/write/cas/delete per key). */
  readonly model?: Model<State>;
  /** Wall-clock budget for the whole check, in milliseconds. Default 30 000. */
  readonly timeBudgetMs?: number;
  /** Search steps allowed per key. Default 5 000 000: the memo holds up to one configuration
   *  per step, about 100 bytes each. */
  readonly stepsPerKeyMax?: number;
}

/** A key whose history has no linearization, explained by the furthest the search got. */
export interface NonLinearizable extends Anomaly {
  readonly checker: 'linearizability';
  readonly kind: 'nonlinearizable';
  readonly key: string;
  /** The longest linearizable prefix found, in linearization order. */
  readonly prefix: readonly Operation[];
  /** The register's (model's) state after `prefix`, described: "absent", "\"7\"". */
  readonly state: string;
  /** The operation that had to take effect before it returned, and could not. */
  readonly stuck: Operation;
  /** The minimal failing window: the unlinearized operations that could have gone next (all
   *  were tried), the prefix's operations overlapping them in time, the prefix's last change
   *  and the last change that completed before them. Also in `ops`. */
  readonly window: readonly Operation[];
}

export interface LinearizabilityResult extends CheckResult {
  readonly checker: 'linearizability';
  readonly anomalies: readonly NonLinearizable[];
  /** Keys whose search ran out of budget ('unknown'). */
  readonly unknownKeys: readonly string[];
  readonly keys: number;
  readonly operations: number;
  readonly steps: number;
}

/**
 * Checks a history for linearizability per key (Herlihy & Wing 1990) with the Wing-Gong /
 * Lowe search (wing-gong-lowe.ts). `info` operations may take effect at any time after their
 * invocation; `fail` operations are left out. Takes raw events or paired operations.
 *
 * Cost: the search is exponential in the number of operations in flight on one key at once
 * (Gibbons & Korach 1997: the general problem is NP-complete). Measured here: 10 000
 * operations over 100 keys with 8 clients per key in under a second; 2 000 operations on one
 * key with 10 clients in about a second; with 20 clients on one key it may run out of budget
 * and say 'unknown'. So spread the register workload over keys, as Jepsen's `independent`
 * does, rather than piling clients onto one.
 *
 * @example
 *   const result = checkLinearizability(recorder.events(), { timeBudgetMs: 10_000 });
 *   if (result.valid === false) for (const a of result.anomalies) console.log(a.message);
 *   // result.valid === 'unknown': some key's search ran out of budget (see unknownKeys)
 */
export function checkLinearizability<State = RegisterValue>(
  history: readonly HistoryEvent[] | readonly Operation[],
  options: LinearizabilityOptions<State> = {},
): LinearizabilityResult {
  const model = (options.model ?? registerModel) as Model<State>;
  const ops = toOperations(history);
  const deadlineMs = performance.now() + (options.timeBudgetMs ?? 30_000);
  const stepsMax = options.stepsPerKeyMax ?? 5_000_000;
  const anomalies: NonLinearizable[] = [];
  const unknownKeys: string[] = [];
  let operations = 0;
  let steps = 0;
  const partitions = partitionByKey(model, ops);
  for (const [key, keyOps] of partitions) {
    operations += keyOps.length;
    const outcome = searchLinearization(model, keyOps, { deadlineMs, stepsMax });
    steps += outcome.steps;
    if (outcome.kind === 'nonlinearizable') {
      anomalies.push(explain(model, key, keyOps, outcome.deepest));
    } else if (outcome.kind === 'unknown') {
      unknownKeys.push(key);
    }
  }
  const valid = combineValidity([anomalies.length === 0, unknownKeys.length === 0 || 'unknown']);
  return {
    checker: 'linearizability',
    valid,
    anomalies,
    unknownKeys,
    keys: partitions.size,
    operations,
    steps,
    ...(unknownKeys.length > 0 && {
      notes: [
        `search budget exceeded on ${unknownKeys.length} key(s): ${unknownKeys.slice(0, 5).join(', ')}`,
      ],
    }),
  };
}

function explain<State>(
  model: Model<State>,
  key: string,
  ops: readonly Operation[],
  deepest: Deepest<State>,
): NonLinearizable {
  const prefix = deepest.order.map((id) => ops[id]!);
  const stuck = ops[deepest.stuck]!;
  const candidates = deepest.candidates.map((id) => ops[id]!);
  // The prefix's tail that overlaps the definite candidates in time, so the window shows how
  // the current state came about. (An indeterminate candidate may have been pending since
  // long before: its invocation says nothing about this moment.)
  const from = candidates
    .filter((op) => op.type !== 'info')
    .reduce((min, op) => (op.invokeTime < min ? op.invokeTime : min), stuck.invokeTime);
  const overlapping = prefix.filter((op) => op.returnTime === undefined || op.returnTime >= from);
  const writers = [...prefix].reverse().filter((op) => !model.readOnly(op));
  const lastWriter = writers[0];
  // The last change certainly done before the window opened: often the one a stale read missed.
  const settled = writers.find((op) => op.returnTime !== undefined && op.returnTime < from);
  const context = [lastWriter, settled].filter((op) => op !== undefined);
  const window = [...new Set([...context, ...overlapping, ...candidates])].sort(
    (a, b) => a.invokeIndex - b.invokeIndex,
  );
  const state = model.describe(deepest.state);
  const writer = lastWriter !== undefined ? `, last written by ${describeShort(lastWriter)}` : '';
  const message =
    `key ${JSON.stringify(key)} is not linearizable: ${describeShort(stuck)} cannot take ` +
    `effect before it returns. The longest linearization found (${prefix.length} ` +
    `operation(s)) leaves the state ${state}${writer}, and none of the ${candidates.length} ` +
    `operation(s) pending then, itself included, can go next.`;
  return {
    checker: 'linearizability',
    kind: 'nonlinearizable',
    key,
    message,
    ops: window,
    focus: [stuck],
    prefix,
    state,
    stuck,
    window,
  };
}

function describeShort(op: Operation): string {
  const input = op.input !== undefined ? ` ${JSON.stringify(op.input)}` : '';
  const output = op.output !== undefined ? ` -> ${JSON.stringify(op.output)}` : '';
  const node = op.node !== undefined ? ` on ${op.node}` : '';
  return `p${op.process}'s ${op.f}${input}${output}${node} (event ${op.invokeIndex})`;
}
