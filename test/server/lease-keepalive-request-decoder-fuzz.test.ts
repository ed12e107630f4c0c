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
import { decoders, outcome, varint } from './decoder-differential.js';

const { generic, served } = decoders('Lease', 'LeaseKeepAlive');

const int64Edges = [
  0n,
  1n,
  127n,
  128n,
  2n ** 31n,
  2n ** 49n - 1n,
  2n ** 49n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -1n,
  -(2n ** 63n),
];

describe('LeaseKeepAliveRequest decoder, differential', () => {
  it('matches the generic decoder on random requests and their mutations', () => {
    const prng = new Prng(0x1ea5e);
    let compared = 0;
    let decodedByHand = 0;
    for (let round = 0; round < 3000; round++) {
      const parts: number[] = [];
      // Mostly the one ID field; now and then none, two, or an unknown field.
      const fields = prng.int(10) === 0 ? prng.int(3) : 1;
      for (let f = 0; f < fields; f++) {
        if (prng.int(8) === 0) parts.push(2 << 3, ...varint(BigInt(prng.int(300))));
        else parts.push(1 << 3, ...varint(int64Edges[prng.int(int64Edges.length)]!));
      }
      const base = Buffer.from(parts);
      const inputs = [base];
      // Mutations: a flipped byte (wire types, tags), a cut tail, an inserted byte.
      const flipped = Buffer.from(base);
      if (flipped.length > 0) flipped[prng.int(flipped.length)] ^= 1 << prng.int(8);
      inputs.push(flipped, base.subarray(0, prng.int(base.length + 1)));
      const at = prng.int(base.length + 1);
      inputs.push(
        Buffer.concat([base.subarray(0, at), Buffer.from([prng.int(256)]), base.subarray(at)]),
      );
      for (const bytes of inputs) {
        const expected = outcome((b) => generic.requestDeserialize(b), bytes);
        const actual = outcome((b) => served.requestDeserialize(b), bytes);
        assert.deepEqual(actual, expected, `input ${bytes.toString('hex')}`);
        if (decodeLeaseKeepAliveRequest(bytes) !== undefined) decodedByHand++;
        compared++;
      }
    }
    assert.equal(compared, 12_000);
    // The comparison means something only if most inputs took the hand decoder.
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
      assert.deepEqual(
        outcome((b) => served.requestDeserialize(b), bytes),
        outcome((b) => generic.requestDeserialize(b), bytes),
        `input ${bytes.toString('hex')}`,
      );
    }
  });
});
