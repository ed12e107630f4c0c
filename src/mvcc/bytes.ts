/**
 * Byte-string helpers. Keys are compared bytewise, unsigned, shorter-is-smaller on a common
 * prefix: the order etcd's Go `bytes.Compare` gives and the order the backend iterates in.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A string with one char per byte, for use as a Map key (injective, cheap, and it sorts like
 * the bytes do under `<` on strings, since every char is below 0x100).
 */
export function bytesKey(bytes: Uint8Array): string {
  let s = '';
  // Char by char only below 13 chars: from 13 on, V8 makes each `+=` a rope node (ConsString)
  // over the last, about 20 objects for a 32-byte key, which a lookup then flattens. One call
  // per 4 KiB makes a flat string at once.
  if (bytes.length < 13) {
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

/** The order of {@link compareBytes}, on the strings {@link bytesKey} makes. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The inverse of {@link bytesKey}. */
export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

export const emptyBytes: Uint8Array = new Uint8Array(0);

/**
 * A copy of `bytes` in a new plain Uint8Array. Not `bytes.slice()`: on a Node Buffer (what
 * LMDB and node:fs hand out) slice() returns a view, which would pin (or alias) the buffer
 * under it: a whole Raft entry or stored value for each key the index keeps.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}
