import type { TxnRequest } from '../mvcc/types.js';

/** True when every range in the txn (nested ones too) asked to be served serializably. */
export function allSerializable(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].every((op) =>
    'requestRange' in op
      ? op.requestRange.serializable === true
      : 'requestTxn' in op
        ? allSerializable(op.requestTxn)
        : true,
  );
}

/** True when the txn (or a nested one) may put a key: it can grow the database. */
export function hasPuts(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].some(
    (op) => 'requestPut' in op || ('requestTxn' in op && hasPuts(op.requestTxn)),
  );
}
