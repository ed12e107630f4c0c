/**
 * CRC32C (Castagnoli), for HashKV and snapshot checksums. etcd's HashKV uses this polynomial
 * too. A copy of src/storage/crc32c.ts (slicing-by-8), because the pure MVCC layer may not
 * import storage; both belong in src/base once its owners agree to move one there.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const lo =
      (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      table[7 * 256 + (lo & 0xff)]! ^
      table[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      table[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      table[4 * 256 + (lo >>> 24)]! ^
      table[3 * 256 + data[i + 4]!]! ^
      table[2 * 256 + data[i + 5]!]! ^
      table[1 * 256 + data[i + 6]!]! ^
      table[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// table[k * 256 + b]: the CRC of byte b followed by k zero bytes.
const table = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + b]!;
      t[k * 256 + b] = (t[prev & 0xff]! ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
}
