/** Outbound KV responses: the store's results (and the member's header) to wire messages. */
import type { ResponseHeader } from '../../node/api.js';
import type { DeleteRangeResponse, PutResponse, RangeResponse } from '../../mvcc/types.js';
import type { DeleteRangeResponseOut, PutResponseOut, RangeResponseOut } from '../wire/kv.js';
import { toWireHeader } from './header.js';
import { numberToInt64 } from './int64.js';
import { toWireKeyValue } from './key-value.js';

export function toWireRange(header: ResponseHeader, response: RangeResponse): RangeResponseOut {
  return {
    header: toWireHeader(header),
    kvs: response.kvs.map(toWireKeyValue),
    more: response.more,
    count: numberToInt64(response.count),
  };
}

export function toWirePut(header: ResponseHeader, response: PutResponse): PutResponseOut {
  const wire: PutResponseOut = { header: toWireHeader(header) };
  return response.prevKv === undefined
    ? wire
    : { ...wire, prevKv: toWireKeyValue(response.prevKv) };
}

export function toWireDeleteRange(
  header: ResponseHeader,
  response: DeleteRangeResponse,
): DeleteRangeResponseOut {
  return {
    header: toWireHeader(header),
    deleted: numberToInt64(response.deleted),
    prevKvs: response.prevKvs.map(toWireKeyValue),
  };
}
