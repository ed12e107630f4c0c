/**
 * Differential check of the Range deserializer the server uses (the hand decoder of
 * src/server/wire/range-request-decoder.ts, falling back to the generic one) against the proto
 * loader's generic decoder, over seeded random requests and byte-level mutations of them:
 * each input must give the same object, or both must throw. Plus the divergence found by
 * review (tag and bool varints read as uint32 by protobufjs), fixed in the decoder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { decodeRangeRequest } from '../../src/server/wire/range-request-decoder.js';
import * as differential from './decoder-differential.js';

const { assertSameAnswer, compareOnRandomInputs, int64Edges, kvDecoders, varint } = differential;

const pair = kvDecoders('Range');
const { generic, served } = pair;

describe('RangeRequest decoder, differential', () => {
  it('matches the generic decoder on random requests and their mutations', () => {
    const prng = new Prng(0x5eed);
    const pick = <T>(list: readonly T[]): T => list[prng.int(list.length)]!;
    const request = (): number[] => {
      const parts: number[] = [];
      const fields = 1 + prng.int(8);
      for (let f = 0; f < fields; f++) {
        const number = 1 + prng.int(14); // 14: an unknown field now and then
        if (number <= 2) {
          const length = prng.int(6);
          parts.push((number << 3) | 2, length, ...Array.from({ length }, () => prng.int(256)));
        } else if (number === 5 || number === 6) {
          parts.push(number << 3, ...varint(BigInt(prng.int(7)) - 1n));
        } else if (number >= 7 && number <= 9) {
          parts.push(number << 3, ...varint(BigInt(prng.int(3))));
        } else {
          parts.push(number << 3, ...varint(pick(int64Edges)));
        }
      }
      return parts;
    };
    const decodedByHand = compareOnRandomInputs(pair, prng, request, decodeRangeRequest);
    // Range requests take more unusual shapes (enums, more int64s) than puts do.
    assert.ok(decodedByHand > 3000, `decoded by hand: ${decodedByHand}`);
  });

  it('reads a bool from the low 32 bits of its varint, as protobufjs does', () => {
    for (const number of [7, 8, 9]) {
      const bytes = Buffer.from([number << 3, ...varint(2n ** 32n)]);
      assert.deepEqual(served.requestDeserialize(bytes), generic.requestDeserialize(bytes));
    }
  });

  it('answers a tag or bool varint longer than 5 bytes as protobufjs does', () => {
    const inputs = [
      // keysOnly as a 9-byte varint, then range_end: protobufjs runs out of bytes.
      Buffer.from('1201ac40ffffffffffffffff7f12011a', 'hex'),
      // limit's tag (3 << 3) overlong in 6 bytes, then its value.
      Buffer.from([0x98, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05, 0x38, 0x01]),
    ];
    for (const bytes of inputs) assertSameAnswer(pair, bytes);
  });
});
