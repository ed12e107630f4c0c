/**
 * The key/rangeEnd convention of every etcd request (RangeRequest, DeleteRangeRequest,
 * Compare, WatchCreateRequest): rangeEnd empty means the single key; rangeEnd "\0" means every
 * key >= key; otherwise the half-open interval [key, rangeEnd) (empty when rangeEnd <= key).
 */
import { compareBytes } from './bytes.js';

export interface KeyRange {
  readonly start: Uint8Array;
  /** Exclusive; undefined: no upper bound. */
  readonly end: Uint8Array | undefined;
  /** Just `start` (rangeEnd was empty). */
  readonly single: boolean;
}

export function keyRange(key: Uint8Array, rangeEnd?: Uint8Array): KeyRange {
  if (rangeEnd === undefined || rangeEnd.length === 0) {
    return { start: key, end: successor(key), single: true };
  }
  if (rangeEnd.length === 1 && rangeEnd[0] === 0)
    return { start: key, end: undefined, single: false };
  return { start: key, end: rangeEnd, single: false };
}

export function inKeyRange(range: KeyRange, key: Uint8Array): boolean {
  return (
    compareBytes(key, range.start) >= 0 &&
    (range.end === undefined || compareBytes(key, range.end) < 0)
  );
}

/** Whether two ranges share at least one key. */
export function keyRangesOverlap(a: KeyRange, b: KeyRange): boolean {
  const aBeforeB = a.end !== undefined && compareBytes(a.end, b.start) <= 0;
  const bBeforeA = b.end !== undefined && compareBytes(b.end, a.start) <= 0;
  const aEmpty = a.end !== undefined && compareBytes(a.end, a.start) <= 0;
  const bEmpty = b.end !== undefined && compareBytes(b.end, b.start) <= 0;
  return !aBeforeB && !bBeforeA && !aEmpty && !bEmpty;
}

/** The smallest key after `key`: key + "\0". */
function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}
