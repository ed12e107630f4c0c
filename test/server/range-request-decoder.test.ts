/**
 * The hand decoder of RangeRequest (src/server/wire/range-request-decoder.ts) gives exactly
 * the object the proto loader's generic decoder gives, and hands anything unusual back to it
 * (undefined), so the server's Range deserializer answers every input as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { etcdServices, loaderOptions } from '../../src/server/proto.js';
import { decodeRangeRequest } from '../../src/server/wire/range-request-decoder.js';

// The generic decoder, loaded with the server's options (src/server/proto.ts).
const definition = loadSync('etcdserverpb/rpc.proto', loaderOptions);
const generic = (definition['etcdserverpb.KV'] as Record<string, MethodDefinition<object, object>>)
  .Range!;
const served = etcdServices().KV.Range as MethodDefinition<object, object>;
const encode = (request: object): Buffer => generic.requestSerialize(request);

/** A varint field, for hand-made inputs protobufjs would not write. */
const field = (number: number, wire: number, ...bytes: number[]): Buffer =>
  Buffer.from([(number << 3) | wire, ...bytes]);

describe('RangeRequest decoder', () => {
  const requests: object[] = [
    {},
    { key: Buffer.from('bench/range') },
    { key: Buffer.from('a'), rangeEnd: Buffer.from([0]), limit: 10, serializable: true },
    { key: Buffer.from('a'), rangeEnd: Buffer.from('z'), revision: '9007199254740993' },
    { key: Buffer.alloc(3000, 1), limit: '-1', revision: '-9223372036854775808' },
    { sortOrder: 'DESCEND', sortTarget: 'VALUE', keysOnly: true, countOnly: true },
    { sortOrder: 'ASCEND', sortTarget: 'MOD', minModRevision: 1, maxModRevision: 2 ** 40 },
    { minCreateRevision: '9223372036854775807', maxCreateRevision: 127 },
    { key: Buffer.from('k'), limit: 128, revision: 16_384, serializable: false },
  ];

  it('decodes what protobufjs encodes to the generic decoder’s object', () => {
    for (const request of requests) {
      const bytes = encode(request);
      const expected = generic.requestDeserialize(bytes);
      assert.deepEqual(decodeRangeRequest(bytes), expected, JSON.stringify(request));
      assert.deepEqual(served.requestDeserialize(bytes), expected);
    }
  });

  it('takes the last of a repeated field and any nonzero bool, as protobufjs does', () => {
    const bytes = Buffer.concat([
      field(1, 2, 1, 0x61),
      field(1, 2, 1, 0x62),
      field(3, 0, 5),
      field(3, 0, 7),
      field(7, 0, 2),
    ]);
    assert.deepEqual(decodeRangeRequest(bytes), generic.requestDeserialize(bytes));
  });

  it('hands unusual input to the generic decoder, which the server then uses', () => {
    const unusual = [
      field(20, 0, 1), // an unknown field
      field(5, 0, 9), // a sort order without a name
      field(1, 0, 1), // key with the wrong wire type
      Buffer.from([0x0a, 0x05, 0x61]), // truncated bytes
      Buffer.from([0x18, 0xff]), // truncated varint
    ];
    for (const bytes of unusual) {
      assert.equal(decodeRangeRequest(bytes), undefined, bytes.toString('hex'));
      let expected: unknown;
      try {
        expected = generic.requestDeserialize(bytes);
      } catch (error) {
        assert.throws(() => served.requestDeserialize(bytes), {
          message: (error as Error).message,
        });
        continue;
      }
      assert.deepEqual(served.requestDeserialize(bytes), expected);
    }
  });
});
