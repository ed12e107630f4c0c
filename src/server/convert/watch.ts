/**
 * A watch create request to the member's WatchCreate, following etcd's watch server: an empty
 * key means "\0" (the smallest key), range_end "\0" means every key >= key, filters become
 * noPut/noDelete (unknown filter values are ignored, as etcd does).
 */
import type { WatchCreate } from '../../node/api.js';
import type { WatchCreateRequestIn } from '../wire/watch.js';
import { int64ToNumber } from './int64.js';
import { bytes } from './kv-requests.js';

/** `startRevision` must have been checked to be >= 0 (a negative one is refused earlier). */
export function fromWireWatchCreate(wire: WatchCreateRequestIn): WatchCreate {
  const create: { -readonly [K in keyof WatchCreate]: WatchCreate[K] } = {
    key: wire.key.length === 0 ? new Uint8Array([0]) : bytes(wire.key),
    startRevision: Math.max(0, int64ToNumber(wire.startRevision)),
    prevKv: wire.prevKv,
    noPut: wire.filters.includes('NOPUT'),
    noDelete: wire.filters.includes('NODELETE'),
  };
  if (wire.rangeEnd.length > 0) create.rangeEnd = bytes(wire.rangeEnd);
  return create;
}

/**
 * etcd refuses a watcher whose range holds no key ("mvcc: watcher range is empty"): a
 * range_end other than "\0" that is not after the key.
 */
export function isEmptyWatchRange(create: WatchCreate): boolean {
  const end = create.rangeEnd;
  if (end === undefined || (end.length === 1 && end[0] === 0)) return false;
  return Buffer.compare(create.key, end) >= 0;
}
