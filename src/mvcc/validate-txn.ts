/**
 * etcd's duplicate-key rule for Txn (etcdserver: duplicate key given in txn request): within
 * one branch (success or failure), no key may be put twice, and no key may be both put and
 * inside a deleted range, counting the puts and deletes of nested txns (whose own success and
 * failure branches may touch the same key, since only one of them runs). Overlapping deletes
 * are allowed, as in etcd. Pure: the server runs it on requests, apply runs it again.
 *
 * One deliberate difference: etcd's interval check treats a delete with rangeEnd "\0" as an
 * empty interval (so it never conflicts); here it means what it means everywhere else, every
 * key >= key.
 */
import { ConcordError } from '../base/errors.js';
import { bytesKey } from './bytes.js';
import { inKeyRange, keyRange, type KeyRange } from './key-range.js';
import type { RequestOp, TxnRequest } from './types.js';

export const duplicateKeyMessage = 'etcdserver: duplicate key given in txn request';

/** Undefined when the txn is acceptable, else a DuplicateKey error. */
export function validateTxn(txn: TxnRequest): ConcordError | undefined {
  try {
    checkIntervals(txn.success);
    checkIntervals(txn.failure);
    return undefined;
  } catch (error) {
    if (error instanceof DuplicateKey) return new ConcordError('DuplicateKey', duplicateKeyMessage);
    throw error;
  }
}

class DuplicateKey extends Error {}

interface Touched {
  /** Put keys, by bytesKey. */
  readonly puts: Map<string, Uint8Array>;
  readonly deletes: KeyRange[];
}

function checkIntervals(ops: readonly RequestOp[]): Touched {
  const deletes: KeyRange[] = [];
  for (const op of ops) {
    if ('requestDeleteRange' in op) {
      deletes.push(keyRange(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
    }
  }
  const deleted = (key: Uint8Array): boolean => deletes.some((r) => inKeyRange(r, key));
  const puts = new Map<string, Uint8Array>();
  for (const op of ops) {
    if (!('requestTxn' in op)) continue;
    const then = checkIntervals(op.requestTxn.success);
    const otherwise = checkIntervals(op.requestTxn.failure);
    for (const [k, key] of then.puts) {
      if (puts.has(k) || deleted(key)) throw new DuplicateKey();
      puts.set(k, key);
    }
    for (const [k, key] of otherwise.puts) {
      // A key put in both branches of the same nested txn is fine: only one branch runs.
      if ((puts.has(k) && !then.puts.has(k)) || deleted(key)) throw new DuplicateKey();
      puts.set(k, key);
    }
    deletes.push(...then.deletes, ...otherwise.deletes);
  }
  for (const op of ops) {
    if (!('requestPut' in op)) continue;
    const key = op.requestPut.key;
    const k = bytesKey(key);
    if (puts.has(k) || deleted(key)) throw new DuplicateKey();
    puts.set(k, key);
  }
  return { puts, deletes };
}
