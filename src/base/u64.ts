/**
 * A u64 read as two u32 halves, joined into a number.
 *
 * `high * 2^32 + low` is a double even when high is 0, and V8 keeps one field layout per
 * object shape: once one decoded term or index (a double) was stored in a Raft entry, every
 * entry after it, decoded or built by the leader's propose, held its term and index as
 * boxed heap numbers. That was two more objects per entry in a log of thousands, which every
 * scavenge copies. Returning `low` itself when `high` is 0 keeps values below 2^30 small
 * integers, and with them the fields of every object they land in.
 */
export function joinU32(high: number, low: number): number {
  return high === 0 ? low : high * 0x1_0000_0000 + low;
}
