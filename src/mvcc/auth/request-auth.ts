/**
 * Which permissions a state machine request needs (etcd's authApplierV3 and checkTxnAuth),
 * checked against the replicated auth store: by the server before it proposes or serves a
 * read, and again at apply with the AuthInfo the proposal carried, so a request whose
 * permission was revoked while it was in flight is refused identically on every member.
 *
 * - Range: READ on [key, rangeEnd).
 * - Put: WRITE on the key; READ too with prev_kv; with a lease, WRITE on every key already
 *   attached to it (etcd's checkLeasePuts: whoever cannot revoke the lease may not extend it).
 * - DeleteRange: WRITE on the range; READ too with prev_kv.
 * - Txn: READ on every compare's range, and each op of BOTH branches as above, nested txns
 *   included (which branch runs is not known before the compares are evaluated).
 * - LeaseRevoke: WRITE on every attached key, unless the user has the root role.
 * - Compaction, alarm changes and auth management (but Authenticate): the root role.
 */
import type { ConcordError } from '../../base/errors.js';
import type { StateMachineRequest, RequestOp, TxnRequest } from '../types.js';
import type { AuthStoreView } from './auth-store.js';
import type { AuthInfo } from './types.js';

/** Reads the keys attached to a lease (none for an unknown lease). */
export type LeaseKeys = (id: bigint) => readonly Uint8Array[];

export function requestRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  request: StateMachineRequest,
  leaseKeys: LeaseKeys,
): ConcordError | undefined {
  if (!store.enabled) return undefined;
  switch (request.type) {
    case 'put': {
      const { key, prevKv, lease } = request.request;
      return putRefusal(store, info, key, prevKv === true, lease ?? 0n, leaseKeys);
    }
    case 'deleteRange': {
      const { key, rangeEnd, prevKv } = request.request;
      return deleteRefusal(store, info, key, rangeEnd, prevKv === true);
    }
    case 'txn':
      return txnRefusal(store, info, request.request, leaseKeys);
    case 'leaseRevoke': {
      if (store.checkAdmin(info) === undefined) return undefined;
      return firstRefusal(leaseKeys(request.request.id), (key) =>
        store.checkOp(info, key, undefined, 'WRITE'),
      );
    }
    case 'leaseGrant':
    case 'leaseCheckpoint':
      return undefined;
    case 'alarm':
      return request.request.action === 'GET' ? undefined : store.checkAdmin(info);
    case 'compaction':
      return store.checkAdmin(info);
    case 'auth':
      return request.request.kind === 'authenticate' ? undefined : store.checkAdmin(info);
    default:
      return undefined;
  }
}

export function rangeRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
): ConcordError | undefined {
  return store.checkOp(info, key, rangeEnd, 'READ');
}

export function txnRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  txn: TxnRequest,
  leaseKeys: LeaseKeys,
): ConcordError | undefined {
  return (
    firstRefusal(txn.compare, (c) => store.checkOp(info, c.key, c.rangeEnd, 'READ')) ??
    firstRefusal([...txn.success, ...txn.failure], (op) => opRefusal(store, info, op, leaseKeys))
  );
}

function opRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  op: RequestOp,
  leaseKeys: LeaseKeys,
): ConcordError | undefined {
  if ('requestRange' in op) {
    return store.checkOp(info, op.requestRange.key, op.requestRange.rangeEnd, 'READ');
  }
  if ('requestPut' in op) {
    const { key, prevKv, lease } = op.requestPut;
    return putRefusal(store, info, key, prevKv === true, lease ?? 0n, leaseKeys);
  }
  if ('requestDeleteRange' in op) {
    const { key, rangeEnd, prevKv } = op.requestDeleteRange;
    return deleteRefusal(store, info, key, rangeEnd, prevKv === true);
  }
  return txnRefusal(store, info, op.requestTxn, leaseKeys);
}

function putRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  key: Uint8Array,
  prevKv: boolean,
  lease: bigint,
  leaseKeys: LeaseKeys,
): ConcordError | undefined {
  return (
    store.checkOp(info, key, undefined, 'WRITE') ??
    (lease === 0n
      ? undefined
      : firstRefusal(leaseKeys(lease), (k) => store.checkOp(info, k, undefined, 'WRITE'))) ??
    (prevKv ? store.checkOp(info, key, undefined, 'READ') : undefined)
  );
}

function deleteRefusal(
  store: AuthStoreView,
  info: AuthInfo,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  prevKv: boolean,
): ConcordError | undefined {
  return (
    store.checkOp(info, key, rangeEnd, 'WRITE') ??
    (prevKv ? store.checkOp(info, key, rangeEnd, 'READ') : undefined)
  );
}

function firstRefusal<T>(
  items: readonly T[],
  check: (item: T) => ConcordError | undefined,
): ConcordError | undefined {
  for (const item of items) {
    const error = check(item);
    if (error !== undefined) return error;
  }
  return undefined;
}
