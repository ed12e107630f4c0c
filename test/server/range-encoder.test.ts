/**
 * The hand-encoded Range answers (src/server/wire/range-encoder.ts) decode, with the proto
 * loader the server and clients use, to exactly what protobufjs's own encoding of the same
 * response decodes to, over the edges of keys, values, revisions, leases, more and count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import type { KeyValue, RangeResponse } from '../../src/mvcc/types.js';
import type { ResponseHeader } from '../../src/node/api.js';
import { toWireRange } from '../../src/server/convert/kv-responses.js';
import { etcdServices } from '../../src/server/proto.js';
import { preEncodedOf } from '../../src/server/wire/pre-encoded.js';
import { encodeRange } from '../../src/server/wire/range-encoder.js';
import type { RangeResponseOut } from '../../src/server/wire/kv.js';

const method = etcdServices().KV.Range as MethodDefinition<object, RangeResponseOut>;
const decode = (bytes: Buffer): unknown => method.responseDeserialize(bytes);

const header: ResponseHeader = {
  clusterId: 0xcdef_0123_4567_89abn,
  memberId: 0x8e9e_05c5_2164_694dn,
  revision: 42,
  raftTerm: 7,
};

const kv = (over: Partial<KeyValue> = {}): KeyValue => ({
  key: Buffer.from('bench/range'),
  createRevision: 2,
  modRevision: 40,
  version: 3,
  value: Buffer.from('v'),
  lease: 0n,
  ...over,
});

describe('range encoder', () => {
  const kvSets: KeyValue[][] = [
    [],
    [kv()],
    [kv({ value: new Uint8Array(0) })], // keys-only
    [kv({ key: new Uint8Array(0), createRevision: 0, modRevision: 0, version: 0 })],
    [kv({ lease: 0x694d_7c4f_0a1b_2c3dn }), kv({ lease: 1n }), kv({ lease: 2n ** 63n - 1n })],
    [kv({ lease: -1n }), kv({ lease: -(2n ** 63n) })],
    [kv({ createRevision: 127, modRevision: 128, version: 16_384 })],
    [kv({ modRevision: Number.MAX_SAFE_INTEGER, createRevision: 2 ** 32, version: 2 ** 31 })],
    [kv({ value: Buffer.alloc(200_000, 7) }), kv({ key: Buffer.alloc(300, 1) })],
  ];
  const headers: ResponseHeader[] = [
    header,
    { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 },
    { ...header, revision: Number.MAX_SAFE_INTEGER, raftTerm: 2 ** 40 },
  ];

  it('decodes to what protobufjs encodes, for every edge', () => {
    for (const h of headers)
      for (const kvs of kvSets)
        for (const more of [false, true])
          for (const count of [0, 1, kvs.length, 300, 2 ** 40]) {
            const response: RangeResponse = { kvs, more, count };
            const bytes = preEncodedOf(encodeRange(h, response));
            assert.ok(bytes !== undefined, 'the answer is pre-encoded');
            const expected = decode(method.responseSerialize(toWireRange(h, response)));
            assert.deepEqual(decode(bytes), expected, `${kvs.length} kvs, count ${count}`);
          }
  });

  it('writes what Go writes: fields in order, zero values left out', () => {
    const empty = preEncodedOf(encodeRange(header, { kvs: [], more: false, count: 0 }))!;
    // Only the header field: tag 0x0a, its length, then the header's bytes.
    assert.equal(empty[0], 0x0a);
    assert.equal(empty[1], empty.length - 2);
    const one = preEncodedOf(
      encodeRange(header, {
        kvs: [kv({ key: Buffer.from('k'), value: Buffer.from('v') })],
        more: true,
        count: 5,
      }),
    )!;
    // kvs: tag 0x12, length 12: key (0a 01 'k'), create 2 (10 02), mod 40 (18 28),
    // version 3 (20 03), value (2a 01 'v'); then more (18 01) and count 5 (20 05).
    assert.deepEqual(
      [...one.subarray(empty.length)],
      [0x12, 12, 0x0a, 1, 0x6b, 0x10, 2, 0x18, 40, 0x20, 3, 0x2a, 1, 0x76, 0x18, 1, 0x20, 5],
    );
  });
});
