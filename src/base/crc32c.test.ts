import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../base/prng.js';
import { crc32c } from './crc32c.js';

// Bytewise reference, to check the slicing-by-8 path against at every length and alignment.
function crc32cBytewise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  // RFC 3720 appendix B.4 and the common check value.
  const vectors: [string, Uint8Array, number][] = [
    ['empty', new Uint8Array(), 0],
    ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['0..31 ascending', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['31..0 descending', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ];
  for (const [name, data, want] of vectors) {
    it(`matches the known value for ${name}`, () => {
      assert.equal(crc32c(data), want);
    });
  }

  it('agrees with a bytewise implementation at every length up to 100', () => {
    const prng = new Prng(1);
    const data = Uint8Array.from({ length: 100 }, () => prng.int(256));
    for (let n = 0; n <= 100; n++) {
      assert.equal(crc32c(data.subarray(0, n)), crc32cBytewise(data.subarray(0, n)), `length ${n}`);
    }
  });

  it('continues a running crc over split input', () => {
    const data = new TextEncoder().encode('123456789');
    assert.equal(crc32c(data.subarray(4), crc32c(data.subarray(0, 4))), 0xe3069283);
  });
});

describe('crc32c alignment', () => {
  it('gives the same value at every byte offset of the underlying buffer', () => {
    const prng = new Prng(2);
    const backing = Uint8Array.from({ length: 64 }, () => prng.int(256));
    for (let start = 0; start < 8; start++) {
      for (const length of [0, 1, 3, 7, 8, 9, 17, 40]) {
        const view = backing.subarray(start, start + length);
        assert.equal(crc32c(view), crc32cBytewiseCopy(view), `start ${start} length ${length}`);
      }
    }
  });
});

function crc32cBytewiseCopy(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}
