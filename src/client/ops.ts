/**
 * The operations of the KV service as values (get, put, delete, and a nested txn), built by
 * `op.*`, sent alone by the KV methods or together in a Txn; and their results. This file
 * turns them into wire requests (under the client's namespace) and wire responses back.
 */
import { rangeEndAll, toBuffer, prefixEnd, type Bytes } from './bytes.js';
import { keyValue, type KeyValue } from './key-value.js';
import type { Namespace } from './namespace.js';
import {
  int,
  type WireDeleteRangeResponse,
  type WirePutResponse,
  type WireRangeResponse,
  type WireResponseOp,
} from './proto.js';

/** Which keys an operation covers: one key (default), a prefix, [key, rangeEnd), or key and after. */
export interface KeyRange {
  readonly prefix?: boolean;
  readonly rangeEnd?: Bytes;
  readonly fromKey?: boolean;
}

export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface GetOptions extends KeyRange {
  readonly limit?: number;
  /** Read at this past revision (0: the latest). */
  readonly revision?: number;
  /** Served by the member alone, without a round through the leader: may be stale. */
  readonly serializable?: boolean;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  readonly sort?: { readonly target: SortTarget; readonly order: 'ascend' | 'descend' };
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface PutOptions {
  /** Attach the key to this lease (it is deleted when the lease ends). */
  readonly lease?: bigint;
  readonly prevKv?: boolean;
  readonly ignoreValue?: boolean;
  readonly ignoreLease?: boolean;
}

export interface DeleteOptions extends KeyRange {
  readonly prevKv?: boolean;
}

export type Op =
  | { readonly type: 'get'; readonly key: Buffer; readonly options: GetOptions }
  | {
      readonly type: 'put';
      readonly key: Buffer;
      readonly value: Buffer;
      readonly options: PutOptions;
    }
  | { readonly type: 'delete'; readonly key: Buffer; readonly options: DeleteOptions }
  | { readonly type: 'txn'; readonly request: TxnSpec };

/** A transaction's parts, for nesting (built by Txn). */
export interface TxnSpec {
  readonly compares: readonly Compare[];
  readonly success: readonly Op[];
  readonly failure: readonly Op[];
}

export const op = {
  get: (key: Bytes, options: GetOptions = {}): Op => ({ type: 'get', key: toBuffer(key), options }),
  put: (key: Bytes, value: Bytes, options: PutOptions = {}): Op => ({
    type: 'put',
    key: toBuffer(key),
    value: toBuffer(value),
    options,
  }),
  delete: (key: Bytes, options: DeleteOptions = {}): Op => ({
    type: 'delete',
    key: toBuffer(key),
    options,
  }),
  txn: (request: TxnSpec): Op => ({ type: 'txn', request }),
};

export type CompareOperator = '=' | '!=' | '>' | '<';
const compareResult = { '=': 'EQUAL', '!=': 'NOT_EQUAL', '>': 'GREATER', '<': 'LESS' } as const;

/** A guard of a Txn: a key's value, version, create or mod revision, or lease against a constant. */
export interface Compare {
  readonly key: Buffer;
  readonly range?: KeyRange;
  readonly target: 'VALUE' | 'VERSION' | 'CREATE' | 'MOD' | 'LEASE';
  readonly result: CompareOperator;
  readonly operand: Buffer | number | bigint;
}

export const compare = {
  value: (key: Bytes, result: CompareOperator, value: Bytes, range?: KeyRange): Compare => ({
    key: toBuffer(key),
    range,
    target: 'VALUE',
    result,
    operand: toBuffer(value),
  }),
  version: (key: Bytes, result: CompareOperator, version: number, range?: KeyRange): Compare => ({
    key: toBuffer(key),
    range,
    target: 'VERSION',
    result,
    operand: version,
  }),
  /** createRevision(key, '=', 0): the key does not exist. */
  createRevision: (
    key: Bytes,
    result: CompareOperator,
    revision: number,
    range?: KeyRange,
  ): Compare => ({
    key: toBuffer(key),
    range,
    target: 'CREATE',
    result,
    operand: revision,
  }),
  modRevision: (
    key: Bytes,
    result: CompareOperator,
    revision: number,
    range?: KeyRange,
  ): Compare => ({
    key: toBuffer(key),
    range,
    target: 'MOD',
    result,
    operand: revision,
  }),
  lease: (key: Bytes, result: CompareOperator, lease: bigint, range?: KeyRange): Compare => ({
    key: toBuffer(key),
    range,
    target: 'LEASE',
    result,
    operand: lease,
  }),
};

export interface RangeResult {
  readonly kvs: KeyValue[];
  /** Keys in the range (all of them, even when `limit` cut `kvs` short). */
  readonly count: number;
  readonly more: boolean;
  /** The store's revision when the read was served. */
  readonly revision: number;
}

export interface PutResult {
  readonly revision: number;
  readonly prevKv: KeyValue | undefined;
}

export interface DeleteResult {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
}

export interface TxnResult {
  /** Whether every compare held (the `then` branch ran) or not (`else`). */
  readonly succeeded: boolean;
  readonly revision: number;
  /** One per op of the branch that ran, in order. */
  readonly results: OpResult[];
}

export type OpResult =
  | ({ readonly type: 'get' } & RangeResult)
  | ({ readonly type: 'put' } & PutResult)
  | ({ readonly type: 'delete' } & DeleteResult)
  | ({ readonly type: 'txn' } & TxnResult);

/** [key, range_end) on the wire for an application's key and range options. */
export function wireRange(
  ns: Namespace,
  key: Buffer,
  range: KeyRange | undefined,
): { key: Buffer; rangeEnd?: Buffer } {
  let end: Buffer = Buffer.alloc(0);
  if (range?.prefix === true) end = key.length === 0 ? rangeEndAll : prefixEnd(key);
  else if (range?.fromKey === true) end = rangeEndAll;
  else if (range?.rangeEnd !== undefined) end = toBuffer(range.rangeEnd);
  // The empty key with a range end means "from the start" (of the namespace); etcd refuses an
  // empty key, so outside a namespace the start is `\0`, as etcd's own client sends it.
  // An empty range end is left out, not sent empty: protobufjs would put an empty field on the
  // wire, and etcd 3.4 then reads "from key to the end" instead of "this key alone".
  const wireKey = ns.key(key);
  const rangeEnd = ns.rangeEnd(key, end);
  return {
    key: wireKey.length === 0 && end.length > 0 ? Buffer.from(rangeEndAll) : wireKey,
    ...(rangeEnd.length > 0 ? { rangeEnd } : {}),
  };
}

export function rangeRequest(ns: Namespace, key: Buffer, options: GetOptions): object {
  return {
    ...wireRange(ns, key, options),
    limit: options.limit ?? 0,
    revision: options.revision ?? 0,
    sortOrder: options.sort === undefined ? 'NONE' : options.sort.order.toUpperCase(),
    sortTarget: (options.sort?.target ?? 'key').toUpperCase(),
    serializable: options.serializable ?? false,
    keysOnly: options.keysOnly ?? false,
    countOnly: options.countOnly ?? false,
    minModRevision: options.minModRevision ?? 0,
    maxModRevision: options.maxModRevision ?? 0,
    minCreateRevision: options.minCreateRevision ?? 0,
    maxCreateRevision: options.maxCreateRevision ?? 0,
  };
}

export function putRequest(ns: Namespace, key: Buffer, value: Buffer, options: PutOptions): object {
  return {
    key: ns.key(key),
    value,
    lease: (options.lease ?? 0n).toString(),
    prevKv: options.prevKv ?? false,
    ignoreValue: options.ignoreValue ?? false,
    ignoreLease: options.ignoreLease ?? false,
  };
}

export function deleteRequest(ns: Namespace, key: Buffer, options: DeleteOptions): object {
  return { ...wireRange(ns, key, options), prevKv: options.prevKv ?? false };
}

export function txnRequest(ns: Namespace, spec: TxnSpec): object {
  return {
    compare: spec.compares.map((c) => compareRequest(ns, c)),
    success: spec.success.map((o) => requestOp(ns, o)),
    failure: spec.failure.map((o) => requestOp(ns, o)),
  };
}

function compareRequest(ns: Namespace, c: Compare): object {
  const { key, rangeEnd } = wireRange(ns, c.key, c.range);
  const base = { key, rangeEnd, result: compareResult[c.result], target: c.target };
  switch (c.target) {
    case 'VALUE':
      return { ...base, value: c.operand };
    case 'VERSION':
      return { ...base, version: String(c.operand) };
    case 'CREATE':
      return { ...base, createRevision: String(c.operand) };
    case 'MOD':
      return { ...base, modRevision: String(c.operand) };
    case 'LEASE':
      return { ...base, lease: String(c.operand) };
  }
}

function requestOp(ns: Namespace, o: Op): object {
  switch (o.type) {
    case 'get':
      return { requestRange: rangeRequest(ns, o.key, o.options) };
    case 'put':
      return { requestPut: putRequest(ns, o.key, o.value, o.options) };
    case 'delete':
      return { requestDeleteRange: deleteRequest(ns, o.key, o.options) };
    case 'txn':
      return { requestTxn: txnRequest(ns, o.request) };
  }
}

export function rangeResult(ns: Namespace, wire: WireRangeResponse): RangeResult {
  return {
    kvs: wire.kvs.map((kv) => keyValue(ns.stripKv(kv))),
    count: int(wire.count),
    more: wire.more,
    revision: int(wire.header?.revision),
  };
}

export function putResult(ns: Namespace, wire: WirePutResponse): PutResult {
  return {
    revision: int(wire.header?.revision),
    prevKv: wire.prevKv === null ? undefined : keyValue(ns.stripKv(wire.prevKv)),
  };
}

export function deleteResult(ns: Namespace, wire: WireDeleteRangeResponse): DeleteResult {
  return {
    revision: int(wire.header?.revision),
    deleted: int(wire.deleted),
    prevKvs: wire.prevKvs.map((kv) => keyValue(ns.stripKv(kv))),
  };
}

export function txnResult(
  ns: Namespace,
  wire: { header: { revision: string } | null; succeeded: boolean; responses: WireResponseOp[] },
): TxnResult {
  return {
    succeeded: wire.succeeded,
    revision: int(wire.header?.revision),
    results: wire.responses.map((r) => opResult(ns, r)),
  };
}

function opResult(ns: Namespace, r: WireResponseOp): OpResult {
  if (r.responseRange !== null && r.responseRange !== undefined) {
    return { type: 'get', ...rangeResult(ns, r.responseRange) };
  }
  if (r.responsePut !== null && r.responsePut !== undefined) {
    return { type: 'put', ...putResult(ns, r.responsePut) };
  }
  if (r.responseDeleteRange !== null && r.responseDeleteRange !== undefined) {
    return { type: 'delete', ...deleteResult(ns, r.responseDeleteRange) };
  }
  if (r.responseTxn !== null && r.responseTxn !== undefined) {
    return { type: 'txn', ...txnResult(ns, r.responseTxn) };
  }
  throw new Error('concord client: a txn response op with no response');
}
