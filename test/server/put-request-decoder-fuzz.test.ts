/**
 * Differential check of the Put deserializer the server uses (the hand decoder of
 * src/server/wire/put-request-decoder.ts, falling back to the generic one) against the proto
 * loader's generic decoder, over seeded random requests and byte-level mutations of them:
 * each input must give the same object, or both must throw. Also that the request's encoded
 * size is still recorded (kv.ts checks it against the request size limit).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import {
  assertSameAnswer,
  compareOnRandomInputs,
  int64Edges,
  kvDecoders,
  varint,
} from './decoder-differential.js';
import { requestBytes } from '../../src/server/proto.js';
import { decodePutRequest } from '../../src/server/wire/put-request-decoder.js';

const pair = kvDecoders('Put');
const { served } = pair;

describe('PutRequest decoder, differential', () => {
  it('matches the generic decoder on random requests and their mutations', () => {
    const prng = new Prng(0x9e7);
    const pick = <T>(list: readonly T[]): T => list[prng.int(list.length)]!;
    const request = (): number[] => {
      const parts: number[] = [];
      const fields = 1 + prng.int(6);
      for (let f = 0; f < fields; f++) {
        const number = 1 + prng.int(7); // 7: an unknown field now and then
        if (number <= 2) {
          const length = prng.int(6);
          parts.push((number << 3) | 2, length, ...Array.from({ length }, () => prng.int(256)));
        } else if (number >= 4 && number <= 6) {
          parts.push(number << 3, ...varint(BigInt(prng.int(3))));
        } else {
          parts.push(number << 3, ...varint(pick(int64Edges)));
        }
      }
      return parts;
    };
    const decodedByHand = compareOnRandomInputs(pair, prng, request, decodePutRequest);
    assert.ok(decodedByHand > 4000, `decoded by hand: ${decodedByHand}`);
  });

  it('answers over-long tag and bool varints and wrong wire types as protobufjs does', () => {
    const inputs = [
      // prev_kv as the low 32 bits of a 2^32 varint.
      Buffer.from([4 << 3, ...varint(2n ** 32n)]),
      // ignore_value as a 9-byte varint, then a key.
      Buffer.from([5 << 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0a, 0x01, 0x61]),
      // lease's tag overlong in 6 bytes, then its value.
      Buffer.from([0x98, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05]),
      // key with wire type 0; value with wire type 5 (fixed32).
      Buffer.from([0x08, 0x01]),
      Buffer.from([0x15, 1, 2, 3, 4]),
      // lease of 10 bytes whose last byte has more than bit 63.
      Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
    ];
    for (const bytes of inputs) {
      assertSameAnswer(pair, bytes);
    }
  });

  it('records the encoded size of a put decoded by hand', () => {
    const bytes = Buffer.from([0x0a, 0x01, 0x6b, 0x12, 0x02, 0x76, 0x76, 0x18, 0x05, 0x20, 0x01]);
    assert.ok(decodePutRequest(bytes) !== undefined);
    const request = served.requestDeserialize(bytes);
    assert.equal(requestBytes(request), bytes.length);
    assert.deepEqual(request, {
      key: Buffer.from('k'),
      value: Buffer.from('vv'),
      lease: '5',
      prevKv: true,
      ignoreValue: false,
      ignoreLease: false,
    });
  });
});
