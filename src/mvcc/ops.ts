/**
 * Put and DeleteRange as etcd applies them (applierV3backend.Put/DeleteRange), inside a
 * WriteTxn, and the state-dependent checks that must pass before anything is written
 * (etcd's checkRequestPut/checkRequestRange): a request that fails them writes nothing.
 */
import { ConcordError } from '../base/errors.js';
import { keyRange } from './key-range.js';
import { KvStore, type ReadView } from './kv-store.js';
import type { Lessor } from './lessor.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
} from './types.js';
import type { WriteTxn } from './write-txn.js';

export const keyNotFoundMessage = 'etcdserver: key not found';
export const leaseNotFoundMessage = 'etcdserver: requested lease not found';

/** KeyNotFound for ignoreValue/ignoreLease on a missing key; LeaseNotFound for a bad lease. */
export function checkPut(
  store: KvStore,
  lessor: Lessor,
  view: ReadView,
  req: PutRequest,
): ConcordError | undefined {
  if (req.ignoreValue === true || req.ignoreLease === true) {
    if (store.index.get(req.key, view.revision) === undefined) {
      return new ConcordError('KeyNotFound', keyNotFoundMessage);
    }
  }
  const lease = req.lease ?? 0n;
  if (lease !== 0n && !lessor.has(lease)) {
    return new ConcordError('LeaseNotFound', leaseNotFoundMessage);
  }
  return undefined;
}

/** FutureRevision or RevisionCompacted for a range at a revision the view cannot serve. */
export function checkRange(view: ReadView, req: RangeRequest): ConcordError | undefined {
  try {
    KvStore.readRevision(view, req.revision);
    return undefined;
  } catch (error) {
    if (error instanceof ConcordError) return error;
    throw error;
  }
}

/** A checked Put (see checkPut). */
export function executePut(store: KvStore, wt: WriteTxn, req: PutRequest): PutResponse {
  const needPrevious = req.prevKv === true || req.ignoreValue === true || req.ignoreLease === true;
  const view = wt.view();
  const previous = needPrevious
    ? store.keyValues(view.reader, keyRange(req.key), view.revision, 1)[0]
    : undefined;
  const value = req.ignoreValue === true ? previous!.value : req.value;
  const lease = req.ignoreLease === true ? previous!.lease : (req.lease ?? 0n);
  wt.put(req.key, value, lease);
  return req.prevKv === true && previous !== undefined ? { prevKv: previous } : {};
}

export function executeDeleteRange(
  store: KvStore,
  wt: WriteTxn,
  req: DeleteRangeRequest,
): DeleteRangeResponse {
  const range = keyRange(req.key, req.rangeEnd);
  const view = wt.view();
  const prevKvs = req.prevKv === true ? store.keyValues(view.reader, range, view.revision) : [];
  const deleted = wt.deleteRange(range);
  return { deleted, prevKvs };
}
