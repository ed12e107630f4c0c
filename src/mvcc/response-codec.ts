/**
 * The bytes of a state machine response, for the session table: a retried request gets its
 * original response back, so the response is stored with the session (session-table.ts).
 * Deterministic (one encoding per response), compact, read back only by this module.
 *
 * Layout: response type u8 (request-codec's order), then the body: KeyValues as key, create,
 * mod, version, lease, value; ranges as kvs, more, count; txns as succeeded and the op
 * responses (nested txns included). Damaged bytes throw a `Corrupt` ConcordError.
 */
import { unreachable } from '../base/assert.js';
import type { ByteReader, ByteWriter } from '../base/byte-codec.js';
import type {
  AlarmMember,
  DeleteRangeResponse,
  KeyValue,
  RangeResponse,
  ResponseOp,
  StateMachineResponse,
  TxnResponse,
} from './types.js';

const responseTypes = [
  'put',
  'deleteRange',
  'txn',
  'compaction',
  'leaseGrant',
  'leaseRevoke',
  'leaseCheckpoint',
  'alarm',
  'auth',
] as const satisfies readonly StateMachineResponse['type'][];
const opTags = { range: 0, put: 1, deleteRange: 2, txn: 3 } as const;
const alarmTypes = ['NOSPACE', 'CORRUPT'] as const;
/** Deeper nesting is damage (requests are bounded far below it). */
const txnDepthMax = 64;

export function putResponse(w: ByteWriter, response: StateMachineResponse): void {
  w.u8(responseTypes.indexOf(response.type));
  switch (response.type) {
    case 'put':
      return putOptionalKv(w, response.response.prevKv);
    case 'deleteRange':
      return putDeleteRange(w, response.response);
    case 'txn':
      return putTxn(w, response.response);
    case 'compaction':
    case 'leaseRevoke':
    case 'leaseCheckpoint':
      return;
    case 'leaseGrant':
      w.i64(response.response.id);
      return w.svarint(response.response.ttl);
    case 'alarm':
      w.uvarint(response.response.alarms.length);
      for (const a of response.response.alarms) {
        w.i64(a.memberId);
        w.u8(alarmTypes.indexOf(a.alarm));
      }
      return;
    case 'auth': {
      const authenticated = response.response.authenticated;
      w.u8(authenticated === undefined ? 0 : 1);
      if (authenticated === undefined) return;
      w.string(authenticated.username);
      w.uvarint(authenticated.revision);
      return w.string(authenticated.simpleToken);
    }
    default:
      return unreachable(response, 'response type');
  }
}

export function getResponse(r: ByteReader): StateMachineResponse {
  const tag = r.u8();
  const type = responseTypes[tag] ?? r.corrupt(`unknown response type ${tag}`);
  switch (type) {
    case 'put': {
      const prevKv = getOptionalKv(r);
      return { type, response: prevKv === undefined ? {} : { prevKv } };
    }
    case 'deleteRange':
      return { type, response: getDeleteRange(r) };
    case 'txn':
      return { type, response: getTxn(r, 0) };
    case 'compaction':
    case 'leaseRevoke':
    case 'leaseCheckpoint':
      return { type, response: {} };
    case 'leaseGrant':
      return { type, response: { id: r.i64(), ttl: r.svarint() } };
    case 'alarm': {
      const alarms = Array.from({ length: r.count() }, (): AlarmMember => {
        const memberId = BigInt.asUintN(64, r.i64());
        const t = r.u8();
        return { memberId, alarm: alarmTypes[t] ?? r.corrupt(`unknown alarm type ${t}`) };
      });
      return { type, response: { alarms } };
    }
    case 'auth': {
      if (r.u8() === 0) return { type, response: {} };
      const username = r.string();
      const revision = r.uvarint();
      return { type, response: { authenticated: { username, revision, simpleToken: r.string() } } };
    }
    default:
      return unreachable(type, 'response type');
  }
}

function putKv(w: ByteWriter, kv: KeyValue): void {
  w.bytes(kv.key);
  w.uvarint(kv.createRevision);
  w.uvarint(kv.modRevision);
  w.uvarint(kv.version);
  w.i64(kv.lease);
  w.bytes(kv.value);
}

function getKv(r: ByteReader): KeyValue {
  const key = r.bytes();
  const createRevision = r.uvarint();
  const modRevision = r.uvarint();
  const version = r.uvarint();
  const lease = r.i64();
  const value = r.bytes();
  return { key, createRevision, modRevision, version, value, lease };
}

function putOptionalKv(w: ByteWriter, kv: KeyValue | undefined): void {
  w.u8(kv === undefined ? 0 : 1);
  if (kv !== undefined) putKv(w, kv);
}

function getOptionalKv(r: ByteReader): KeyValue | undefined {
  const present = r.u8();
  if (present > 1) r.corrupt(`bad presence byte ${present}`);
  return present === 1 ? getKv(r) : undefined;
}

function putKvs(w: ByteWriter, kvs: readonly KeyValue[]): void {
  w.uvarint(kvs.length);
  for (const kv of kvs) putKv(w, kv);
}

function getKvs(r: ByteReader): KeyValue[] {
  return Array.from({ length: r.count() }, () => getKv(r));
}

function putDeleteRange(w: ByteWriter, d: DeleteRangeResponse): void {
  w.uvarint(d.deleted);
  putKvs(w, d.prevKvs);
}

function getDeleteRange(r: ByteReader): DeleteRangeResponse {
  const deleted = r.uvarint();
  return { deleted, prevKvs: getKvs(r) };
}

function putRange(w: ByteWriter, q: RangeResponse): void {
  putKvs(w, q.kvs);
  w.u8(q.more ? 1 : 0);
  w.uvarint(q.count);
}

function getRange(r: ByteReader): RangeResponse {
  const kvs = getKvs(r);
  const more = r.u8();
  if (more > 1) r.corrupt(`bad boolean ${more}`);
  return { kvs, more: more === 1, count: r.uvarint() };
}

function putTxn(w: ByteWriter, t: TxnResponse): void {
  w.u8(t.succeeded ? 1 : 0);
  w.uvarint(t.responses.length);
  for (const op of t.responses) {
    if ('responseRange' in op) {
      w.u8(opTags.range);
      putRange(w, op.responseRange);
    } else if ('responsePut' in op) {
      w.u8(opTags.put);
      putOptionalKv(w, op.responsePut.prevKv);
    } else if ('responseDeleteRange' in op) {
      w.u8(opTags.deleteRange);
      putDeleteRange(w, op.responseDeleteRange);
    } else if ('responseTxn' in op) {
      w.u8(opTags.txn);
      putTxn(w, op.responseTxn);
    } else unreachable(op, 'response op');
  }
}

function getTxn(r: ByteReader, depth: number): TxnResponse {
  if (depth > txnDepthMax) r.corrupt('txn response nested too deep');
  const succeeded = r.u8();
  if (succeeded > 1) r.corrupt(`bad boolean ${succeeded}`);
  const responses = Array.from({ length: r.count() }, () => getOp(r, depth));
  return { succeeded: succeeded === 1, responses };
}

function getOp(r: ByteReader, depth: number): ResponseOp {
  const tag = r.u8();
  switch (tag) {
    case opTags.range:
      return { responseRange: getRange(r) };
    case opTags.put: {
      const prevKv = getOptionalKv(r);
      return { responsePut: prevKv === undefined ? {} : { prevKv } };
    }
    case opTags.deleteRange:
      return { responseDeleteRange: getDeleteRange(r) };
    case opTags.txn:
      return { responseTxn: getTxn(r, depth + 1) };
    default:
      return r.corrupt(`unknown response op ${tag}`);
  }
}
