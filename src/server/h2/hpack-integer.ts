/**
 * HPACK prefixed integers (RFC 7541 Section 5.1): a value that fits the low `prefixBits` of
 * the first octet (all ones meaning "more follows"), then 7 bits per octet, least significant
 * group first, the top bit set on every octet but the last.
 *
 * The RFC leaves the bound to the implementation (Section 5.1: "Integer encodings that exceed
 * implementation limits ... MUST be treated as decoding errors"). Ours is 2^31 - 1 and at most
 * `continuationOctetsMax` continuation octets, so a run of 0x80 octets (zero groups, valid
 * in form) cannot make the reader spin over a long block.
 */
import { assert } from '../../base/assert.js';

/** The largest integer a block may carry: far above any table size, index or string length. */
export const integerMax = 0x7fffffff;
/** 2^31 needs 5 groups of 7 bits; a 6th continuation octet can only be padding or overflow. */
const continuationOctetsMax = 5;

/** Where a reader is in a block; the decoder is one, so reading moves it without allocating. */
export interface Cursor {
  at: number;
}

/**
 * Reads the integer whose first octet is at `cursor.at` and moves past it. Returns -1 when the
 * block ends inside it or it exceeds `integerMax`; the caller reports which field it was.
 */
export function readInteger(block: Uint8Array, cursor: Cursor, prefixBits: number): number {
  const prefixMax = (1 << prefixBits) - 1;
  let at = cursor.at;
  if (at >= block.length) return -1;
  let value = (block[at++] as number) & prefixMax;
  if (value < prefixMax) {
    cursor.at = at;
    return value;
  }
  const end = Math.min(block.length, at + continuationOctetsMax);
  let multiplier = 1;
  while (at < end) {
    const octet = block[at++] as number;
    value += (octet & 0x7f) * multiplier;
    if (value > integerMax) return -1;
    if ((octet & 0x80) === 0) {
      cursor.at = at;
      return value;
    }
    multiplier *= 128;
  }
  return -1;
}

/**
 * Writes `value` with the top bits of the first octet set to `flags`; returns the offset after
 * it. The caller has made room: at most 1 + 5 octets for a value up to `integerMax`.
 */
export function writeInteger(
  out: Uint8Array,
  at: number,
  value: number,
  prefixBits: number,
  flags: number,
): number {
  // Invariant: the encoder only writes lengths, indexes and table sizes it bounded itself.
  assert(value >= 0 && value <= integerMax, 'HPACK integer out of range');
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) {
    out[at++] = flags | value;
    return at;
  }
  out[at++] = flags | prefixMax;
  let rest = value - prefixMax;
  while (rest >= 128) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[at++] = rest;
  return at;
}
