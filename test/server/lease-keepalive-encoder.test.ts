/**
 * The hand-encoded keep-alive answers (src/server/wire/lease-keepalive-encoder.ts) decode,
 * with the proto loader the server and clients use, to exactly what protobufjs's own encoding
 * of the same response decodes to, over the edges of int64 IDs, TTLs and headers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import type { ResponseHeader } from '../../src/node/api.js';
import { toWireLeaseKeepAlive } from '../../src/server/convert/lease.js';
import { etcdServices } from '../../src/server/proto.js';
import { encodeLeaseKeepAlive } from '../../src/server/wire/lease-keepalive-encoder.js';
import { preEncodedOf } from '../../src/server/wire/pre-encoded.js';
import type { LeaseKeepAliveResponseOut } from '../../src/server/wire/lease.js';

const method = etcdServices().Lease.LeaseKeepAlive as MethodDefinition<
  object,
  LeaseKeepAliveResponseOut
>;
const decode = (bytes: Buffer): unknown => method.responseDeserialize(bytes);

const header: ResponseHeader = {
  clusterId: 0xcdef_0123_4567_89abn,
  memberId: 0x8e9e_05c5_2164_694dn,
  revision: 42,
  raftTerm: 7,
};

describe('lease keep-alive encoder', () => {
  const ids = [1n, 127n, 128n, 0x7fff_ffffn, 0x8000_0000n, 0x694d_7c4f_0a1b_2c3dn];
  const edges = [...ids, 2n ** 63n - 1n, -1n, -(2n ** 63n), 0n];
  const ttls = [0, 1, 5, 127, 128, 16_384, 9_000_000_000];
  const headers: ResponseHeader[] = [
    header,
    { ...header, revision: 1, raftTerm: 1 },
    { ...header, revision: Number.MAX_SAFE_INTEGER, raftTerm: Number.MAX_SAFE_INTEGER },
    { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 },
  ];

  it('decodes to what protobufjs encodes, for every ID, TTL and header edge', () => {
    for (const h of headers)
      for (const id of edges)
        for (const ttl of ttls) {
          const bytes = preEncodedOf(encodeLeaseKeepAlive(h, id, ttl));
          assert.ok(bytes !== undefined, 'the answer is pre-encoded');
          const expected = decode(method.responseSerialize(toWireLeaseKeepAlive(h, id, ttl)));
          assert.deepEqual(decode(bytes), expected, `id ${id} ttl ${ttl} header ${h.revision}`);
        }
  });

  it('writes what Go writes: fields in order, zero values left out', () => {
    const bytes = preEncodedOf(encodeLeaseKeepAlive(header, 0n, 0))!;
    // Only the header field: tag 0x0a, its length, then the header's bytes.
    assert.equal(bytes[0], 0x0a);
    assert.equal(bytes[1], bytes.length - 2);
    const withFields = preEncodedOf(encodeLeaseKeepAlive(header, 300n, 5))!;
    // ... then ID 300 (tag 0x10, varint ac 02) and TTL 5 (tag 0x18, 05).
    assert.deepEqual([...withFields.subarray(bytes.length)], [0x10, 0xac, 0x02, 0x18, 0x05]);
  });
});
