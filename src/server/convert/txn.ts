/** Txn requests and responses between the wire and the store's types, recursively. */
import { AssertionError, unreachable } from '../../base/assert.js';
import type { ResponseHeader } from '../../node/api.js';
import type {
  Compare,
  CompareTarget,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../../mvcc/types.js';
import type {
  CompareIn,
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
  RequestOpIn,
  ResponseOpOut,
  TxnRequestIn,
  TxnResponseOut,
} from '../wire/kv.js';
import { int64ToBigint, int64ToNumber } from './int64.js';
import { bytes, fromWireDeleteRange, fromWirePut, fromWireRange, known } from './kv-requests.js';
import { toWireDeleteRange, toWirePut, toWireRange } from './kv-responses.js';
import { toWireHeader } from './header.js';

export function fromWireTxn(wire: TxnRequestIn): TxnRequest {
  return {
    compare: wire.compare.map(fromWireCompare),
    success: wire.success.map(fromWireRequestOp),
    failure: wire.failure.map(fromWireRequestOp),
  };
}

/**
 * The operand is the oneof member that matches the target; a missing or mismatched member
 * compares against the zero value, as etcd's compareKV does.
 */
export function fromWireCompare(wire: CompareIn): Compare {
  const target: CompareTarget = known(wire.target, 'compare target');
  const base = {
    result: known(wire.result, 'compare result'),
    target,
    key: bytes(wire.key),
    ...(wire.rangeEnd.length > 0 ? { rangeEnd: bytes(wire.rangeEnd) } : {}),
  };
  const operand = (member: 'version' | 'createRevision' | 'modRevision' | 'lease'): string =>
    wire.targetUnion === member ? (wire[member] ?? '0') : '0';
  switch (target) {
    case 'VERSION':
      return { ...base, version: int64ToNumber(operand('version')) };
    case 'CREATE':
      return { ...base, createRevision: int64ToNumber(operand('createRevision')) };
    case 'MOD':
      return { ...base, modRevision: int64ToNumber(operand('modRevision')) };
    case 'LEASE':
      return { ...base, lease: int64ToBigint(operand('lease')) };
    case 'VALUE': {
      const value =
        wire.targetUnion === 'value' && wire.value !== undefined ? wire.value : Buffer.alloc(0);
      return { ...base, value: bytes(value) };
    }
    default:
      return unreachable(target, 'compare target');
  }
}

/** `op` has been validated: exactly one request is present (../validate/key.ts). */
function fromWireRequestOp(op: RequestOpIn): RequestOp {
  switch (op.request) {
    case 'requestRange':
      return { requestRange: fromWireRange(op.requestRange as RangeRequestIn) };
    case 'requestPut':
      return { requestPut: fromWirePut(op.requestPut as PutRequestIn) };
    case 'requestDeleteRange':
      return {
        requestDeleteRange: fromWireDeleteRange(op.requestDeleteRange as DeleteRangeRequestIn),
      };
    case 'requestTxn':
      return { requestTxn: fromWireTxn(op.requestTxn as TxnRequestIn) };
    default:
      throw new AssertionError(
        `txn op without a request reached conversion: ${String(op.request)}`,
      );
  }
}

/** Nested responses carry the same header as the outer one. */
export function toWireTxn(header: ResponseHeader, response: TxnResponse): TxnResponseOut {
  return {
    header: toWireHeader(header),
    succeeded: response.succeeded,
    responses: response.responses.map((op) => toWireResponseOp(header, op)),
  };
}

function toWireResponseOp(header: ResponseHeader, op: ResponseOp): ResponseOpOut {
  if ('responseRange' in op) return { responseRange: toWireRange(header, op.responseRange) };
  if ('responsePut' in op) return { responsePut: toWirePut(header, op.responsePut) };
  if ('responseDeleteRange' in op) {
    return { responseDeleteRange: toWireDeleteRange(header, op.responseDeleteRange) };
  }
  return { responseTxn: toWireTxn(header, op.responseTxn) };
}
