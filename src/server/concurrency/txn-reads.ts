/** Reading back the ranges a recipe's own Txn asked for. */
import type { KeyValue, TxnResponse } from '../../mvcc/types.js';

/** The kvs of the `index`th response; [] if that op was not a range (the Txn is ours). */
export function rangeOf(response: TxnResponse, index: number): readonly KeyValue[] {
  const op = response.responses[index];
  return op !== undefined && 'responseRange' in op ? op.responseRange.kvs : [];
}
