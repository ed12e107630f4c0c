import type { Operation } from '../history/operation.js';
import type { Model } from './model.js';

/**
 * Splits a history into independent sub-histories, one per key. Linearizability is local
 * (Herlihy & Wing 1990, theorem 1): a history is linearizable iff each object's is, so each
 * key is searched alone, and the search cost is exponential in one key's concurrency rather
 * than the whole run's (Porcupine's partitioned models; Jepsen's `independent`).
 *
 * Drops what constrains nothing: `fail` operations (they certainly did not happen) and
 * indeterminate read-only operations (they returned nothing and changed nothing).
 */
export function partitionByKey<State>(
  model: Model<State>,
  ops: readonly Operation[],
): Map<string, Operation[]> {
  const partitions = new Map<string, Operation[]>();
  for (const op of ops) {
    if (!model.accepts(op) || op.type === 'fail') continue;
    if (op.type === 'info' && model.readOnly(op)) continue;
    const key = op.key ?? '';
    let partition = partitions.get(key);
    if (partition === undefined) partitions.set(key, (partition = []));
    partition.push(op);
  }
  return partitions;
}
