/**
 * Txn as etcd applies it (applierV3backend.Txn): every compare, including those of nested
 * txns on the branches that will run, is evaluated first against the state before the txn
 * (etcd's compareToPath); then the chosen ops are checked (a failing check writes nothing);
 * then they run in order inside one WriteTxn, so the whole txn is one revision with
 * sub-revisions, and a Range op sees the txn's earlier writes.
 */
import { assert, unreachable } from '../base/assert.js';
import type { ConcordError } from '../base/errors.js';
import { applyCompare } from './compare.js';
import type { KvStore, ReadView } from './kv-store.js';
import type { Lessor } from './lessor.js';
import { checkPut, checkRange, executeDeleteRange, executePut } from './ops.js';
import { executeRange } from './range.js';
import type { RequestOp, ResponseOp, TxnRequest, TxnResponse } from './types.js';
import type { WriteTxn } from './write-txn.js';

/** Which branch each txn takes, in pre-order over the txns that will run. */
export class TxnPath {
  private next = 0;

  private constructor(private readonly taken: readonly boolean[]) {}

  static evaluate(store: KvStore, view: ReadView, txn: TxnRequest): TxnPath {
    const taken: boolean[] = [];
    const walk = (t: TxnRequest): void => {
      const succeeded = t.compare.every((c) => applyCompare(store, view, c));
      taken.push(succeeded);
      for (const op of succeeded ? t.success : t.failure)
        if ('requestTxn' in op) walk(op.requestTxn);
    };
    walk(txn);
    return new TxnPath(taken);
  }

  /** A fresh cursor over the same decisions. */
  rewind(): TxnPath {
    return new TxnPath(this.taken);
  }

  take(): boolean {
    const taken = this.taken[this.next++];
    assert(taken !== undefined, 'TxnPath: more txns than evaluated');
    return taken;
  }
}

/** The first error among the ops the path will run, or undefined. */
export function checkTxn(
  store: KvStore,
  lessor: Lessor,
  view: ReadView,
  txn: TxnRequest,
  path: TxnPath,
): ConcordError | undefined {
  for (const op of path.take() ? txn.success : txn.failure) {
    const error =
      'requestPut' in op
        ? checkPut(store, lessor, view, op.requestPut)
        : 'requestRange' in op
          ? checkRange(view, op.requestRange)
          : 'requestTxn' in op
            ? checkTxn(store, lessor, view, op.requestTxn, path)
            : undefined;
    if (error !== undefined) return error;
  }
  return undefined;
}

/** Runs a checked txn (see checkTxn) along `path`. */
export function executeTxn(
  store: KvStore,
  wt: WriteTxn,
  txn: TxnRequest,
  path: TxnPath,
): TxnResponse {
  const succeeded = path.take();
  const responses = (succeeded ? txn.success : txn.failure).map((op) =>
    executeOp(store, wt, op, path),
  );
  return { succeeded, responses };
}

function executeOp(store: KvStore, wt: WriteTxn, op: RequestOp, path: TxnPath): ResponseOp {
  if ('requestRange' in op)
    return { responseRange: executeRange(store, wt.view(), op.requestRange) };
  if ('requestPut' in op) return { responsePut: executePut(store, wt, op.requestPut) };
  if ('requestDeleteRange' in op) {
    return { responseDeleteRange: executeDeleteRange(store, wt, op.requestDeleteRange) };
  }
  if ('requestTxn' in op) return { responseTxn: executeTxn(store, wt, op.requestTxn, path) };
  return unreachable(op, 'request op');
}
