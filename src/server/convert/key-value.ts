/** mvccpb.KeyValue and mvccpb.Event from the store's types (outbound only: clients never send them). */
import type { Event, KeyValue } from '../../mvcc/types.js';
import type { WireEvent, WireKeyValue } from '../wire/common.js';
import { bigintToInt64, numberToInt64 } from './int64.js';

export function toWireKeyValue(kv: KeyValue): WireKeyValue {
  return {
    key: kv.key,
    createRevision: numberToInt64(kv.createRevision),
    modRevision: numberToInt64(kv.modRevision),
    version: numberToInt64(kv.version),
    value: kv.value,
    lease: bigintToInt64(kv.lease),
  };
}

export function toWireEvent(event: Event): WireEvent {
  const wire: WireEvent = { type: event.type, kv: toWireKeyValue(event.kv) };
  return event.prevKv === undefined ? wire : { ...wire, prevKv: toWireKeyValue(event.prevKv) };
}
