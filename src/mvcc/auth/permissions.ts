/**
 * Range permission logic (etcd's range_perm_cache.go): a user's permissions, from all of its
 * roles, are unified into one set of key intervals for reading and one for writing. A request
 * on a single key is permitted when some interval holds the key; a request on a range
 * [key, rangeEnd) only when the union of the intervals covers the whole range, so two
 * adjacent grants ([a, c) and [c, e)) together permit [a, e), and a range that merely
 * overlaps a grant is refused.
 *
 * Intervals are half-open [start, end); `end` undefined means no upper bound (rangeEnd "\0").
 * A permission on a single key is the interval [key, key + "\0").
 */
import { compareBytes } from '../bytes.js';
import { keyRange, type KeyRange } from '../key-range.js';
import type { AuthRole, Permission } from './types.js';

export interface Interval {
  readonly start: Uint8Array;
  /** Exclusive; undefined: unbounded. */
  readonly end: Uint8Array | undefined;
}

/** The unified permissions of one user (etcd's unifiedRangePermissions). */
export interface UnifiedPermissions {
  /** Sorted, disjoint and non-adjacent (merged). */
  readonly read: readonly Interval[];
  readonly write: readonly Interval[];
}

export function unifyPermissions(roles: readonly AuthRole[]): UnifiedPermissions {
  const read: Interval[] = [];
  const write: Interval[] = [];
  for (const role of roles) {
    for (const perm of role.permissions) {
      const interval = permissionInterval(perm);
      if (interval === undefined) continue;
      if (perm.permType !== 'WRITE') read.push(interval);
      if (perm.permType !== 'READ') write.push(interval);
    }
  }
  return { read: mergeIntervals(read), write: mergeIntervals(write) };
}

/** The interval a permission grants, or undefined for an empty range (rangeEnd <= key). */
export function permissionInterval(perm: Permission): Interval | undefined {
  const range = keyRange(perm.key, perm.rangeEnd);
  return isEmpty(range) ? undefined : { start: range.start, end: range.end };
}

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => compareBytes(a.start, b.start));
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.end === undefined || compareBytes(next.start, last.end) <= 0)) {
      out[out.length - 1] = { start: last.start, end: maxEnd(last.end, next.end) };
    } else {
      out.push(next);
    }
  }
  return out;
}

/**
 * Whether `intervals` (merged) permit a request on `key` / `rangeEnd` (etcd's request
 * convention: empty rangeEnd is one key, "\0" is every key >= key).
 */
export function coversRequest(
  intervals: readonly Interval[],
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
): boolean {
  const range = keyRange(key, rangeEnd);
  // An empty range reads or writes nothing; etcd's interval tree finds it contained too
  // only when some interval holds its start, so ask for that.
  const wanted: Interval = isEmpty(range) ? keyRange(key) : range;
  // Merged intervals are disjoint and apart: one of them must hold all of `wanted`.
  return intervals.some(
    (i) =>
      compareBytes(i.start, wanted.start) <= 0 &&
      (i.end === undefined || (wanted.end !== undefined && compareBytes(wanted.end, i.end) <= 0)),
  );
}

function maxEnd(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined || b === undefined) return undefined;
  return compareBytes(a, b) >= 0 ? a : b;
}

function isEmpty(range: KeyRange): boolean {
  return range.end !== undefined && compareBytes(range.end, range.start) <= 0;
}
