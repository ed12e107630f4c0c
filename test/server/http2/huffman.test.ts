import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { huffmanCodes, huffmanDecode, huffmanEncode } from '../../../src/server/http2/huffman.js';

describe('HPACK Huffman code (RFC 7541 Appendix B)', () => {
  it('derives the RFC codes from the code lengths (a sample across every length range)', () => {
    // [symbol, code as hex (LSB aligned), bits], copied from the RFC's table.
    const sample: [number, number, number][] = [
      [0, 0x1ff8, 13],
      [1, 0x7fffd8, 23],
      [9, 0xffffea, 24],
      [10, 0x3ffffffc, 30],
      [22, 0x3ffffffe, 30],
      [31, 0xffffffb, 28],
      [32, 0x14, 6],
      [47, 0x18, 6],
      [48, 0x0, 5],
      [58, 0x5c, 7],
      [88, 0xfc, 8],
      [92, 0x7fff0, 19],
      [104, 0x27, 6],
      [116, 0x9, 5],
      [120, 0x79, 7],
      [126, 0x1ffd, 13],
      [127, 0xffffffc, 28],
      [128, 0xfffe6, 20],
      [153, 0x1fffdc, 21],
      [195, 0x7fff1, 19],
      [199, 0x1ffffec, 25],
      [203, 0x7ffffde, 27],
      [220, 0xffffffd, 28],
      [249, 0xffffffe, 28],
      [254, 0x7fffff0, 27],
      [255, 0x3ffffee, 26],
      [256, 0x3fffffff, 30],
    ];
    for (const [symbol, code, bits] of sample) {
      assert.deepEqual(huffmanCodes[symbol], { code, bits }, `symbol ${symbol}`);
    }
  });

  it('encodes and decodes RFC 7541 C.4.1 "www.example.com"', () => {
    const encoded = Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex');
    assert.deepEqual(huffmanEncode(Buffer.from('www.example.com')), encoded);
    assert.equal(Buffer.from(huffmanDecode(encoded) ?? []).toString(), 'www.example.com');
  });

  it('round-trips every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.deepEqual(Buffer.from(huffmanDecode(huffmanEncode(all)) ?? []), all);
    assert.deepEqual(huffmanDecode(huffmanEncode(Buffer.alloc(0))), new Uint8Array(0));
  });

  it('refuses padding that is too long or not ones, and EOS inside the string', () => {
    // 'a' is 00011 (5 bits): padded with 111 it is 0x1f.
    assert.deepEqual(huffmanDecode(Buffer.from([0x1f])), Uint8Array.from([0x61]));
    assert.equal(huffmanDecode(Buffer.from([0x18])), undefined, 'padding of zeros');
    assert.equal(huffmanDecode(Buffer.from([0x1f, 0xff])), undefined, 'padding over 7 bits');
    assert.equal(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xfc])), undefined, 'EOS');
  });
});
