/**
 * Differential check of the LeaseKeepAlive request deserializer the server uses (the hand
 * decoder of src/server/wire/lease-keepalive-request-decoder.ts, falling back to the generic
 * one) against the proto loader's generic decoder, over seeded random requests and byte-level
 * mutations of them: each input must give the same object, or both must throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { decodeLeaseKeepAliveRequest } from '../../src/server/wire/lease-keepalive-request-decoder.js';
import {
  assertSameAnswer,
  compareOnRandomInputs,
  decoders,
  int64Edges,
  varint,
} from './decoder-differential.js';

const pair = decoders('Lease', 'LeaseKeepAlive');
const { generic, served } = pair;

describe('LeaseKeepAliveRequest decoder, differential', () => {
  it('matches the generic decoder on random requests and their mutations', () => {
    const prng = new Prng(0x1ea5e);
    const request = (): number[] => {
      const parts: number[] = [];
      // Mostly the one ID field; now and then none, two, or an unknown field.
      const fields = prng.int(10) === 0 ? prng.int(3) : 1;
      for (let f = 0; f < fields; f++) {
        if (prng.int(8) === 0) parts.push(2 << 3, ...varint(BigInt(prng.int(300))));
        else parts.push(1 << 3, ...varint(int64Edges[prng.int(int64Edges.length)]!));
      }
      return parts;
    };
    const decodedByHand = compareOnRandomInputs(pair, prng, request, decodeLeaseKeepAliveRequest);
    assert.ok(decodedByHand > 5000, `decoded by hand: ${decodedByHand}`);
  });

  it('decodes the plain request by hand, ID as decimal text', () => {
    for (const [id, text] of [
      [0n, '0'],
      [7587866384926437000n, '7587866384926437000'],
      [-5n, '-5'],
    ] as const) {
      const bytes = Buffer.from([1 << 3, ...varint(id)]);
      assert.deepEqual(decodeLeaseKeepAliveRequest(bytes), { ID: text });
      assert.deepEqual(served.requestDeserialize(bytes), generic.requestDeserialize(bytes));
    }
    assert.deepEqual(decodeLeaseKeepAliveRequest(Buffer.alloc(0)), { ID: '0' });
  });

  it('answers an over-long tag and a wrong wire type as protobufjs does', () => {
    const inputs = [
      Buffer.from([0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05]),
      Buffer.from([0x0a, 0x01, 0x05]),
      Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
    ];
    for (const bytes of inputs) {
      assertSameAnswer(pair, bytes);
    }
  });
});
