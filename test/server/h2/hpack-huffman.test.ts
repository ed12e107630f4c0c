// The table-driven Huffman decoder against the lead's bit-at-a-time reference (http2/huffman.ts):
// the same output, and the same refusals, on valid codes and on random octets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  huffmanDecodeInto,
  huffmanDecodedLengthMax,
} from '../../../src/server/h2/hpack-huffman.js';
import { huffmanDecode, huffmanEncode } from '../../../src/server/http2/huffman.js';
import { xorshift32 } from './seeded-random.js';

function fast(input: Uint8Array): Uint8Array | undefined {
  const output = new Uint8Array(huffmanDecodedLengthMax(input.length));
  const length = huffmanDecodeInto(input, 0, input.length, output);
  return length < 0 ? undefined : output.subarray(0, length);
}

describe('table-driven HPACK Huffman decoding', () => {
  it('decodes RFC 7541 C.4.1 and every byte value', () => {
    const example = Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex');
    assert.equal(Buffer.from(fast(example) ?? []).toString(), 'www.example.com');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.deepEqual(Buffer.from(fast(huffmanEncode(all)) ?? []), all);
    assert.deepEqual(fast(new Uint8Array(0)), new Uint8Array(0));
  });

  it('decodes only the given range of a larger buffer', () => {
    const encoded = huffmanEncode(Buffer.from('grpc-timeout'));
    const padded = Buffer.concat([Buffer.from([0xaa, 0xbb]), encoded, Buffer.from([0x00])]);
    const output = new Uint8Array(huffmanDecodedLengthMax(encoded.length));
    const length = huffmanDecodeInto(padded, 2, 2 + encoded.length, output);
    assert.equal(Buffer.from(output.subarray(0, length)).toString(), 'grpc-timeout');
  });

  it('refuses what the reference refuses: EOS, zero padding, padding over 7 bits', () => {
    assert.equal(fast(Buffer.from([0x18])), undefined, 'padding of zeros');
    assert.equal(fast(Buffer.from([0x1f, 0xff])), undefined, 'padding over 7 bits');
    assert.equal(fast(Buffer.from([0xff, 0xff, 0xff, 0xfc])), undefined, 'EOS');
    assert.deepEqual(fast(Buffer.from([0x1f])), Uint8Array.from([0x61]));
  });

  it('agrees with the reference on 20000 random strings, valid and not (seeded)', () => {
    const next = xorshift32(0x9e3779b9);
    let valid = 0;
    for (let round = 0; round < 20_000; round++) {
      const bytes = Buffer.from(Array.from({ length: next() % 24 }, () => next() & 0xff));
      const input = round % 2 === 0 ? huffmanEncode(bytes) : bytes;
      const expected = huffmanDecode(input);
      assert.deepEqual(fast(input), expected, `input ${input.toString('hex')}`);
      if (expected !== undefined) valid += 1;
    }
    assert.ok(valid >= 10_000, `${valid} valid strings`);
  });
});
