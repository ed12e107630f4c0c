/**
 * A tiny HPACK/HTTP2 encoder for tests: builds header blocks and frames by hand, so tests can
 * send what Node's own client refuses to (a URL as :authority), both plain and Huffman-coded.
 */
import { huffmanEncode } from '../../../src/server/http2/huffman.js';

/** An HPACK prefixed integer (RFC 7541 5.1), `flags` in the bits above the prefix. */
export function integer(value: number, prefixBits: number, flags = 0): Buffer {
  const mask = 2 ** prefixBits - 1;
  if (value < mask) return Buffer.from([flags | value]);
  const octets = [flags | mask];
  let rest = value - mask;
  while (rest >= 128) {
    octets.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  octets.push(rest);
  return Buffer.from(octets);
}

/** A string literal (5.2), Huffman-coded or not. */
export function literal(text: string, huffman: boolean): Buffer {
  const octets = huffman ? huffmanEncode(Buffer.from(text)) : Buffer.from(text);
  return Buffer.concat([integer(octets.length, 7, huffman ? 0x80 : 0), octets]);
}

export type Indexing = 'incremental' | 'without' | 'never';
const indexingFlags: Record<Indexing, { flags: number; prefixBits: number }> = {
  incremental: { flags: 0x40, prefixBits: 6 },
  without: { flags: 0x00, prefixBits: 4 },
  never: { flags: 0x10, prefixBits: 4 },
};

/** A literal header field with an indexed name (6.2.x). */
export function literalIndexedName(
  nameIndex: number,
  value: string,
  options: { huffman: boolean; indexing?: Indexing },
): Buffer {
  const { flags, prefixBits } = indexingFlags[options.indexing ?? 'incremental'];
  return Buffer.concat([integer(nameIndex, prefixBits, flags), literal(value, options.huffman)]);
}

/** A literal header field with a literal name (6.2.x, index 0). */
export function literalNewName(
  name: string,
  value: string,
  options: { huffman: boolean; indexing?: Indexing },
): Buffer {
  const { flags } = indexingFlags[options.indexing ?? 'incremental'];
  return Buffer.concat([
    Buffer.from([flags]),
    literal(name, options.huffman),
    literal(value, options.huffman),
  ]);
}

/** An indexed header field (6.1). */
export function indexed(index: number): Buffer {
  return integer(index, 7, 0x80);
}

/** A dynamic table size update (6.3). */
export function sizeUpdate(size: number): Buffer {
  return integer(size, 5, 0x20);
}

/** An HTTP/2 frame (RFC 9113 4.1). */
export function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

export const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
export const frameType = { data: 0x0, headers: 0x1, settings: 0x4, continuation: 0x9 } as const;
export const flag = { endStream: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;

/** A request header block as grpc-go sends one: POST, http, :path, :authority, te, ... */
export function requestBlock(authority: string, huffman: boolean): Buffer {
  return Buffer.concat([
    indexed(3), // :method POST
    indexed(6), // :scheme http
    literalIndexedName(4, '/etcdserverpb.Maintenance/Status', { huffman }),
    literalIndexedName(1, authority, { huffman }),
    literalIndexedName(31, 'application/grpc', { huffman }),
    literalNewName('te', 'trailers', { huffman }),
  ]);
}
