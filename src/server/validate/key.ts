/**
 * The checks etcd's KV server makes before a request reaches the member
 * (server/etcdserver/api/v3rpc/key.go), on the wire messages, with the same order and the
 * same errors, so a client gets etcd's answer for the same bad input.
 */
import { ConcordError } from '../../base/errors.js';
import type {
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
  RequestOpIn,
  TxnRequestIn,
} from '../wire/kv.js';

export function checkRangeRequest(request: RangeRequestIn): void {
  if (request.key.length === 0) throw new ConcordError('EmptyKey');
  // An enum value our .proto does not name arrives as a number (see ../wire/common.ts).
  if (typeof request.sortOrder === 'number' || typeof request.sortTarget === 'number') {
    throw new ConcordError('InvalidSortOption');
  }
}

export function checkPutRequest(request: PutRequestIn): void {
  if (request.key.length === 0) throw new ConcordError('EmptyKey');
  if (request.ignoreValue && request.value.length !== 0) throw new ConcordError('ValueProvided');
  if (request.ignoreLease && request.lease !== '0') throw new ConcordError('LeaseProvided');
}

export function checkDeleteRequest(request: DeleteRangeRequestIn): void {
  if (request.key.length === 0) throw new ConcordError('EmptyKey');
}

/**
 * `txnOpsMax` bounds each of compare, success and failure separately (etcd's --max-txn-ops).
 * A nested txn is checked against what the outer one left over (etcd's `maxTxnOps - opc`).
 */
export function checkTxnRequest(request: TxnRequestIn, txnOpsMax: number): void {
  const ops = Math.max(request.compare.length, request.success.length, request.failure.length);
  if (ops > txnOpsMax) throw new ConcordError('TooManyOps');
  for (const compare of request.compare) {
    if (compare.key.length === 0) throw new ConcordError('EmptyKey');
  }
  for (const op of request.success) checkRequestOp(op, txnOpsMax - ops);
  for (const op of request.failure) checkRequestOp(op, txnOpsMax - ops);
}

function checkRequestOp(op: RequestOpIn, txnOpsMax: number): void {
  switch (op.request) {
    case 'requestRange':
      return checkRangeRequest(op.requestRange as RangeRequestIn);
    case 'requestPut':
      return checkPutRequest(op.requestPut as PutRequestIn);
    case 'requestDeleteRange':
      return checkDeleteRequest(op.requestDeleteRange as DeleteRangeRequestIn);
    case 'requestTxn':
      return checkTxnRequest(op.requestTxn as TxnRequestIn, txnOpsMax);
    default:
      // An op with no request in it: etcd answers "key not found".
      throw new ConcordError('KeyNotFound');
  }
}
