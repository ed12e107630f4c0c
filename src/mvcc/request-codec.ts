/**
 * The bytes of a state machine request in a Raft entry: deterministic (one encoding per
 * request, so every member and every replay sees the same bytes), compact, versioned.
 *
 * Envelope: format u8 (1), flags u8 (bit 0: identity present; bit 1: auth info present),
 * request ID u64 big-endian, [identity: clientId (UTF-8), sequence varint], [auth info:
 * username (UTF-8), auth revision varint], request type u8, request body.
 * The identity is for at-most-once application of client retries (DESIGN.md promise 6): the
 * node passes it to apply with the request (ApplyEntry.identity; rules in session-table.ts).
 * The auth info is who the request speaks for and the auth revision its permissions were
 * checked at (etcd's RequestHeader.username/auth_revision); apply checks them again
 * (src/mvcc/auth/request-auth.ts). Absent: the member's own request (lease expiry, alarms).
 *
 * Decoding gives the canonical form: optional fields that are absent, false, 0 or empty
 * are left out. Damaged bytes throw a `Corrupt` ConcordError.
 */
import { unreachable } from '../base/assert.js';
import { ByteReader, ByteWriter } from '../base/byte-codec.js';
import { getAuthRequest, putAuthRequest } from './auth/auth-codec.js';
import type { AuthInfo } from './auth/types.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestIdentity,
  RequestOp,
  SortOrder,
  SortTarget,
  StateMachineRequest,
  TxnRequest,
} from './types.js';

export type { RequestIdentity } from './types.js';

export interface RequestEnvelope {
  /** The proposer's 64-bit request ID, to match the apply result to the waiting client. */
  readonly id: bigint;
  readonly identity?: RequestIdentity;
  /** Who the request speaks for; absent for the member's own requests. */
  readonly auth?: AuthInfo;
  readonly request: StateMachineRequest;
}

const envelopeFormat = 1;
const requestTypes = [
  'put',
  'deleteRange',
  'txn',
  'compaction',
  'leaseGrant',
  'leaseRevoke',
  'leaseCheckpoint',
  'alarm',
  'auth',
] as const satisfies readonly StateMachineRequest['type'][];
const compareResults: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const compareTargets: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];
const sortOrders: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const opTags = { range: 0, put: 1, deleteRange: 2, txn: 3 } as const;
// etcd's AlarmRequest.AlarmAction and AlarmType enum values, by index.
const alarmActions = ['GET', 'ACTIVATE', 'DEACTIVATE'] as const;
const alarmTypes = ['NONE', 'NOSPACE', 'CORRUPT'] as const;
const empty = new Uint8Array(0);

export function encodeRequest(envelope: RequestEnvelope): Uint8Array {
  const w = new ByteWriter(128);
  w.u8(envelopeFormat);
  w.u8((envelope.identity === undefined ? 0 : 1) | (envelope.auth === undefined ? 0 : 2));
  w.i64(BigInt.asIntN(64, envelope.id));
  if (envelope.identity !== undefined) {
    w.string(envelope.identity.clientId);
    w.uvarint(envelope.identity.sequence);
  }
  if (envelope.auth !== undefined) {
    w.string(envelope.auth.username);
    w.uvarint(envelope.auth.revision);
  }
  w.u8(requestTypes.indexOf(envelope.request.type));
  putBody(w, envelope.request);
  return w.finishInSlab(); // a Raft entry's data: the log drops entries oldest first
}

function putBody(w: ByteWriter, request: StateMachineRequest): void {
  switch (request.type) {
    case 'put':
      return putPut(w, request.request);
    case 'deleteRange':
      return putDeleteRange(w, request.request);
    case 'txn':
      return putTxn(w, request.request);
    case 'compaction':
      w.uvarint(request.request.revision);
      return w.u8(request.request.physical === true ? 1 : 0);
    case 'leaseGrant':
      w.i64(request.request.id);
      return w.svarint(request.request.ttl);
    case 'leaseRevoke':
      return w.i64(request.request.id);
    case 'leaseCheckpoint':
      w.uvarint(request.request.checkpoints.length);
      for (const c of request.request.checkpoints) {
        w.i64(c.id);
        w.svarint(c.remainingTtl);
      }
      return;
    case 'alarm':
      w.u8(alarmActions.indexOf(request.request.action));
      w.i64(request.request.memberId);
      return w.u8(alarmTypes.indexOf(request.request.alarm));
    case 'auth':
      return putAuthRequest(w, request.request);
    default:
      return unreachable(request, 'request type');
  }
}

export function decodeRequest(bytes: Uint8Array): RequestEnvelope {
  const r: ByteReader = new ByteReader(bytes, 'state machine request');
  const format = r.u8();
  if (format !== envelopeFormat) r.corrupt(`unknown format ${format}`);
  const flags = r.u8();
  if (flags > 3) r.corrupt(`unknown flags ${flags}`);
  const id = BigInt.asUintN(64, r.i64());
  // Built by assignment, not spreads: every applied entry on every member is decoded here.
  const identity = (flags & 1) !== 0 ? { clientId: r.string(), sequence: r.uvarint() } : undefined;
  const auth = (flags & 2) !== 0 ? { username: r.string(), revision: r.uvarint() } : undefined;
  const envelope: Mutable<RequestEnvelope> = { id, request: getRequest(r) };
  if (identity !== undefined) envelope.identity = identity;
  if (auth !== undefined) envelope.auth = auth;
  r.end();
  return envelope;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function getRequest(r: ByteReader): StateMachineRequest {
  const tag = r.u8();
  const type = requestTypes[tag] ?? r.corrupt(`unknown request type ${tag}`);
  switch (type) {
    case 'put':
      return { type, request: getPut(r) };
    case 'deleteRange':
      return { type, request: getDeleteRange(r) };
    case 'txn':
      return { type, request: getTxn(r, 0) };
    case 'compaction': {
      const revision = r.uvarint();
      return { type, request: r.u8() === 1 ? { revision, physical: true } : { revision } };
    }
    case 'leaseGrant':
      return { type, request: { id: r.i64(), ttl: r.svarint() } };
    case 'leaseRevoke':
      return { type, request: { id: r.i64() } };
    case 'leaseCheckpoint': {
      const checkpoints = Array.from({ length: r.count() }, () => ({
        id: r.i64(),
        remainingTtl: r.svarint(),
      }));
      return { type, request: { checkpoints } };
    }
    case 'alarm': {
      const actionTag = r.u8();
      const action = alarmActions[actionTag] ?? r.corrupt(`unknown alarm action ${actionTag}`);
      const memberId = BigInt.asUintN(64, r.i64());
      const alarmTag = r.u8();
      const alarm = alarmTypes[alarmTag] ?? r.corrupt(`unknown alarm type ${alarmTag}`);
      return { type, request: { action, memberId, alarm } };
    }
    case 'auth':
      return { type, request: getAuthRequest(r) };
    default:
      return unreachable(type, 'request type');
  }
}

function putPut(w: ByteWriter, p: PutRequest): void {
  w.bytes(p.key);
  w.bytes(p.value);
  w.i64(p.lease ?? 0n);
  w.u8(bits(p.prevKv, p.ignoreValue, p.ignoreLease));
}

function getPut(r: ByteReader): PutRequest {
  const key = r.bytes();
  const value = r.bytes();
  const lease = r.i64();
  const flags = getFlags(r, 3);
  const put: Mutable<PutRequest> = { key, value };
  if (lease !== 0n) put.lease = lease;
  if ((flags & 1) !== 0) put.prevKv = true;
  if ((flags & 2) !== 0) put.ignoreValue = true;
  if ((flags & 4) !== 0) put.ignoreLease = true;
  return put;
}

function putDeleteRange(w: ByteWriter, d: DeleteRangeRequest): void {
  w.bytes(d.key);
  w.bytes(d.rangeEnd ?? empty);
  w.u8(bits(d.prevKv));
}

function getDeleteRange(r: ByteReader): DeleteRangeRequest {
  const key = r.bytes();
  const rangeEnd = r.bytes();
  const flags = getFlags(r, 1);
  const deleteRange: Mutable<DeleteRangeRequest> = { key };
  if (rangeEnd.length > 0) deleteRange.rangeEnd = rangeEnd;
  if ((flags & 1) !== 0) deleteRange.prevKv = true;
  return deleteRange;
}

function putRange(w: ByteWriter, q: RangeRequest): void {
  w.bytes(q.key);
  w.bytes(q.rangeEnd ?? empty);
  for (const n of [q.limit, q.revision, q.minModRevision, q.maxModRevision]) w.svarint(n ?? 0);
  for (const n of [q.minCreateRevision, q.maxCreateRevision]) w.svarint(n ?? 0);
  w.u8(sortOrders.indexOf(q.sortOrder ?? 'NONE'));
  w.u8(sortTargets.indexOf(q.sortTarget ?? 'KEY'));
  w.u8(bits(q.serializable, q.keysOnly, q.countOnly));
}

function getRange(r: ByteReader): RangeRequest {
  const key = r.bytes();
  const rangeEnd = r.bytes();
  const numbers = ['limit', 'revision', 'minModRevision', 'maxModRevision'] as const;
  const creates = ['minCreateRevision', 'maxCreateRevision'] as const;
  const out: Record<string, unknown> = { key };
  if (rangeEnd.length > 0) out.rangeEnd = rangeEnd;
  for (const name of [...numbers, ...creates]) {
    const n = r.svarint();
    if (n !== 0) out[name] = n;
  }
  const order = r.u8();
  const target = r.u8();
  const sortOrder = sortOrders[order] ?? r.corrupt(`unknown sort order ${order}`);
  const sortTarget = sortTargets[target] ?? r.corrupt(`unknown sort target ${target}`);
  if (sortOrder !== 'NONE') out.sortOrder = sortOrder;
  if (sortTarget !== 'KEY') out.sortTarget = sortTarget;
  const flags = getFlags(r, 3);
  if ((flags & 1) !== 0) out.serializable = true;
  if ((flags & 2) !== 0) out.keysOnly = true;
  if ((flags & 4) !== 0) out.countOnly = true;
  return out as unknown as RangeRequest;
}

function putTxn(w: ByteWriter, t: TxnRequest): void {
  w.uvarint(t.compare.length);
  for (const c of t.compare) putCompare(w, c);
  for (const ops of [t.success, t.failure]) {
    w.uvarint(ops.length);
    for (const op of ops) putOp(w, op);
  }
}

/** Nested txns deeper than this are damage (the server bounds ops far below it). */
const txnDepthMax = 64;

function getTxn(r: ByteReader, depth: number): TxnRequest {
  if (depth > txnDepthMax) r.corrupt('txn nested too deep');
  const compare = Array.from({ length: r.count() }, () => getCompare(r));
  const success = Array.from({ length: r.count() }, () => getOp(r, depth));
  const failure = Array.from({ length: r.count() }, () => getOp(r, depth));
  return { compare, success, failure };
}

function putOp(w: ByteWriter, op: RequestOp): void {
  if ('requestRange' in op) {
    w.u8(opTags.range);
    putRange(w, op.requestRange);
  } else if ('requestPut' in op) {
    w.u8(opTags.put);
    putPut(w, op.requestPut);
  } else if ('requestDeleteRange' in op) {
    w.u8(opTags.deleteRange);
    putDeleteRange(w, op.requestDeleteRange);
  } else if ('requestTxn' in op) {
    w.u8(opTags.txn);
    putTxn(w, op.requestTxn);
  } else unreachable(op, 'request op');
}

function getOp(r: ByteReader, depth: number): RequestOp {
  const tag = r.u8();
  switch (tag) {
    case opTags.range:
      return { requestRange: getRange(r) };
    case opTags.put:
      return { requestPut: getPut(r) };
    case opTags.deleteRange:
      return { requestDeleteRange: getDeleteRange(r) };
    case opTags.txn:
      return { requestTxn: getTxn(r, depth + 1) };
    default:
      return r.corrupt(`unknown op ${tag}`);
  }
}

function putCompare(w: ByteWriter, c: Compare): void {
  w.u8(compareResults.indexOf(c.result));
  w.u8(compareTargets.indexOf(c.target));
  w.bytes(c.key);
  w.bytes(c.rangeEnd ?? empty);
  switch (c.target) {
    case 'VERSION':
      return w.svarint(c.version ?? 0);
    case 'CREATE':
      return w.svarint(c.createRevision ?? 0);
    case 'MOD':
      return w.svarint(c.modRevision ?? 0);
    case 'VALUE':
      return w.bytes(c.value ?? empty);
    case 'LEASE':
      return w.i64(c.lease ?? 0n);
    default:
      return unreachable(c.target, 'compare target');
  }
}

function getCompare(r: ByteReader): Compare {
  const resultTag = r.u8();
  const targetTag = r.u8();
  const result = compareResults[resultTag] ?? r.corrupt(`unknown compare result ${resultTag}`);
  const target = compareTargets[targetTag] ?? r.corrupt(`unknown compare target ${targetTag}`);
  const key = r.bytes();
  const rangeEnd = r.bytes();
  const base = { result, target, key, ...(rangeEnd.length > 0 ? { rangeEnd } : {}) };
  switch (target) {
    case 'VERSION':
      return { ...base, version: r.svarint() };
    case 'CREATE':
      return { ...base, createRevision: r.svarint() };
    case 'MOD':
      return { ...base, modRevision: r.svarint() };
    case 'VALUE':
      return { ...base, value: r.bytes() };
    case 'LEASE':
      return { ...base, lease: r.i64() };
    default:
      return unreachable(target, 'compare target');
  }
}

/** Up to three flags as bits 0, 1, 2 of a byte (no rest array: a put encodes one). */
function bits(a?: boolean, b?: boolean, c?: boolean): number {
  return (a === true ? 1 : 0) | (b === true ? 2 : 0) | (c === true ? 4 : 0);
}

/** A flags byte with `n` flags in its low bits; any other bit set is damage. */
function getFlags(r: ByteReader, n: number): number {
  const byte = r.u8();
  if (byte >> n !== 0) r.corrupt(`unknown flag bits in ${byte}`);
  return byte;
}
