/**
 * Keys and values on the wire are bytes. The client takes either a string (UTF-8) or bytes
 * everywhere, and answers Buffers (which print as text with `.toString()`).
 */
export type Bytes = string | Uint8Array;

/** The bytes of a key or value: strings as UTF-8; Buffers as they are (not copied). */
export function toBuffer(value: Bytes): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** The empty key's one-byte range end `\0`: "every key >= key" in etcd's range encoding. */
export const rangeEndAll = Buffer.from([0]);

/**
 * The smallest key greater than every key that starts with `prefix` (etcd's GetPrefixRangeEnd):
 * the prefix with its last byte below 0xff incremented and what follows dropped. A prefix of
 * only 0xff bytes (or the empty prefix) has no such key: `\0`, "to the end of the keyspace".
 */
export function prefixEnd(prefix: Bytes): Buffer {
  const bytes = Buffer.from(toBuffer(prefix));
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i] = bytes[i]! + 1;
      return bytes.subarray(0, i + 1);
    }
  }
  return Buffer.from(rangeEndAll);
}
