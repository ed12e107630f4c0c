/**
 * 64-bit integers between the wire (decimal text, exact) and Concord's types: revisions,
 * versions, counts and TTLs are `number`s (exact below 2^53, DESIGN.md), lease, member and
 * cluster IDs are `bigint`s.
 */
import { assert } from '../../base/assert.js';
import type { Int64Text } from '../wire/common.js';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;
const safeMax = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An inbound int64 as a number, saturated to ±(2^53 - 1). Saturating keeps every answer etcd
 * would give: Concord's revisions and versions never pass 2^53 - 1 (asserted in the store), so
 * a larger requested revision is a future revision either way, a larger limit is no limit, and
 * comparisons against stored values keep their outcome.
 */
export function int64ToNumber(text: Int64Text): number {
  const value = BigInt(text);
  if (value > safeMax) return Number.MAX_SAFE_INTEGER;
  if (value < -safeMax) return -Number.MAX_SAFE_INTEGER;
  return Number(value);
}

/** An inbound int64 as a non-negative number: etcd treats negative revisions and limits as 0. */
export function int64ToNonNegative(text: Int64Text): number {
  return Math.max(0, int64ToNumber(text));
}

/** An inbound int64 exactly (lease IDs). */
export function int64ToBigint(text: Int64Text): bigint {
  const value = BigInt(text);
  assert(value >= int64Min && value <= int64Max, () => `int64 out of range: ${text}`);
  return value;
}

/** An inbound uint64 exactly (member and cluster IDs). */
export function uint64ToBigint(text: Int64Text): bigint {
  const value = BigInt(text);
  assert(value >= 0n && value <= uint64Max, () => `uint64 out of range: ${text}`);
  return value;
}

/** An outbound int64 from a number, which must be an exact integer (TTL -1 is allowed). */
export function numberToInt64(value: number): Int64Text {
  assert(Number.isSafeInteger(value), () => `not an exact integer for int64: ${value}`);
  return String(value);
}

/** An outbound int64 from a bigint, which must fit (a lease ID). */
export function bigintToInt64(value: bigint): Int64Text {
  assert(value >= int64Min && value <= int64Max, () => `int64 out of range: ${value}`);
  return value.toString();
}

/** An outbound uint64 from a bigint, which must fit (a member or cluster ID). */
export function bigintToUint64(value: bigint): Int64Text {
  assert(value >= 0n && value <= uint64Max, () => `uint64 out of range: ${value}`);
  return value.toString();
}

/** An outbound uint64 from a number (raft index and term): a non-negative exact integer. */
export function numberToUint64(value: number): Int64Text {
  assert(
    Number.isSafeInteger(value) && value >= 0,
    () => `not a non-negative exact integer for uint64: ${value}`,
  );
  return String(value);
}
