/**
 * Inbound KV requests: wire messages (already validated by ../validate/key.ts) to the store's
 * request types. Optional fields are set only when they differ from the default, so the
 * member sees the same object whether a client sent a default or left the field out.
 */
import { ConcordError } from '../../base/errors.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  SortOrder,
  SortTarget,
} from '../../mvcc/types.js';
import type { WireEnum } from '../wire/common.js';
import type {
  CompactionRequestIn,
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
} from '../wire/kv.js';
import { int64ToBigint, int64ToNonNegative, int64ToNumber } from './int64.js';

/**
 * A copy of decoded bytes. The decoder's Buffers are views into the whole received message;
 * the member keeps keys and values, and a view would pin the message's memory for as long.
 */
export function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

export function known<Name extends string>(value: WireEnum<Name>, what: string): Name {
  if (typeof value === 'number') {
    throw new ConcordError('InvalidArgument', `concord: unknown ${what} ${value}`);
  }
  return value;
}

export function fromWireRange(wire: RangeRequestIn): RangeRequest {
  const request: { -readonly [K in keyof RangeRequest]: RangeRequest[K] } = {
    key: bytes(wire.key),
  };
  if (wire.rangeEnd.length > 0) request.rangeEnd = bytes(wire.rangeEnd);
  const limit = int64ToNonNegative(wire.limit);
  if (limit > 0) request.limit = limit;
  const revision = int64ToNonNegative(wire.revision);
  if (revision > 0) request.revision = revision;
  const sortOrder: SortOrder = known(wire.sortOrder, 'sort order');
  if (sortOrder !== 'NONE') request.sortOrder = sortOrder;
  const sortTarget: SortTarget = known(wire.sortTarget, 'sort target');
  if (sortTarget !== 'KEY') request.sortTarget = sortTarget;
  if (wire.serializable) request.serializable = true;
  if (wire.keysOnly) request.keysOnly = true;
  if (wire.countOnly) request.countOnly = true;
  // Filters keep their sign: etcd compares them as given (a negative max filters everything).
  const minMod = int64ToNumber(wire.minModRevision);
  if (minMod !== 0) request.minModRevision = minMod;
  const maxMod = int64ToNumber(wire.maxModRevision);
  if (maxMod !== 0) request.maxModRevision = maxMod;
  const minCreate = int64ToNumber(wire.minCreateRevision);
  if (minCreate !== 0) request.minCreateRevision = minCreate;
  const maxCreate = int64ToNumber(wire.maxCreateRevision);
  if (maxCreate !== 0) request.maxCreateRevision = maxCreate;
  return request;
}

export function fromWirePut(wire: PutRequestIn): PutRequest {
  const request: { -readonly [K in keyof PutRequest]: PutRequest[K] } = {
    key: bytes(wire.key),
    value: bytes(wire.value),
  };
  const lease = int64ToBigint(wire.lease);
  if (lease !== 0n) request.lease = lease;
  if (wire.prevKv) request.prevKv = true;
  if (wire.ignoreValue) request.ignoreValue = true;
  if (wire.ignoreLease) request.ignoreLease = true;
  return request;
}

export function fromWireDeleteRange(wire: DeleteRangeRequestIn): DeleteRangeRequest {
  const request: { -readonly [K in keyof DeleteRangeRequest]: DeleteRangeRequest[K] } = {
    key: bytes(wire.key),
  };
  if (wire.rangeEnd.length > 0) request.rangeEnd = bytes(wire.rangeEnd);
  if (wire.prevKv) request.prevKv = true;
  return request;
}

/** The revision keeps its sign: compacting at <= the compacted revision is etcd's "compacted". */
export function fromWireCompaction(wire: CompactionRequestIn): CompactionRequest {
  const revision = int64ToNumber(wire.revision);
  return wire.physical ? { revision, physical: true } : { revision };
}
