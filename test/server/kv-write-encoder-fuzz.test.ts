/**
 * Differential check of the hand-encoded write answers (src/server/wire/kv-write-encoder.ts:
 * PutResponse, DeleteRangeResponse, TxnResponse with nested answers) against protobufjs, over
 * seeded random responses at the edges of headers, int64s, keys, values and prev_kvs:
 * - byte for byte, what protobufjs writes for the same message with its proto3 defaults left
 *   out (as etcd's Go encoder leaves them out; protobufjs writes a field set to 0 explicitly);
 * - decoded by the served KV definition, what the generic path (protobufjs over the plain wire
 *   object the handlers answered before) decodes to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Prng } from '../../src/base/prng.js';
import type {
  DeleteRangeResponse,
  KeyValue,
  PutResponse,
  RangeResponse,
  ResponseOp,
  TxnResponse,
} from '../../src/mvcc/types.js';
import type { ResponseHeader } from '../../src/node/api.js';
import { toWireDeleteRange, toWirePut } from '../../src/server/convert/kv-responses.js';
import { toWireTxn } from '../../src/server/convert/txn.js';
import { etcdServices, loaderOptions } from '../../src/server/proto.js';
import { encodeDeleteRange, encodePut, encodeTxn } from '../../src/server/wire/kv-write-encoder.js';
import { preEncodedOf, type PreEncoded } from '../../src/server/wire/pre-encoded.js';

type Method = MethodDefinition<object, object>;
const definition = loadSync('etcdserverpb/rpc.proto', loaderOptions);
const generic = definition['etcdserverpb.KV'] as Record<string, Method>;
const served = etcdServices().KV as Record<string, Method>;

// ---- Random store answers at the edges.

const uint64Edges = [0n, 1n, 127n, 128n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const safeMax = Number.MAX_SAFE_INTEGER;
const countEdges = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, safeMax];
/** int64 numbers: the proto allows negatives (the store never makes them). */
const int64Edges = [...countEdges, -1, -128, -(2 ** 31), -(2 ** 32), -safeMax];
const leaseEdges = [0n, 1n, 0x694d_7c4f_0a1b_2c3dn, 2n ** 63n - 1n, -1n, -(2n ** 63n)];

class Gen {
  constructor(private readonly prng: Prng) {}

  pick<T>(list: readonly T[]): T {
    return list[this.prng.int(list.length)]!;
  }

  chance(p: number): boolean {
    return this.prng.chance(p);
  }

  /** Mostly small, now and then an edge (including 0, 2^53 - 1 and negatives). */
  int64(edges: readonly number[] = int64Edges): number {
    return this.chance(0.5) ? this.prng.int(1000) : this.pick(edges);
  }

  header(): ResponseHeader {
    return {
      clusterId: this.chance(0.3) ? this.pick(uint64Edges) : BigInt.asUintN(64, this.bigint()),
      memberId: this.chance(0.3) ? this.pick(uint64Edges) : BigInt.asUintN(64, this.bigint()),
      revision: this.int64(countEdges),
      raftTerm: this.int64(countEdges),
    };
  }

  bigint(): bigint {
    return (BigInt(this.prng.int(2 ** 32)) << 32n) | BigInt(this.prng.int(2 ** 32));
  }

  bytes(): Buffer {
    const length = this.pick([0, 0, 1, 8, 127, 128, 300, this.chance(0.05) ? 70_000 : 16]);
    return Buffer.from(Array.from({ length }, () => this.prng.int(256)));
  }

  keyValue(): KeyValue {
    return {
      key: this.bytes(),
      createRevision: this.int64(),
      modRevision: this.int64(),
      version: this.int64(),
      value: this.bytes(),
      lease: this.chance(0.6) ? 0n : this.pick(leaseEdges),
    };
  }

  keyValues(): KeyValue[] {
    return Array.from({ length: this.pick([0, 0, 1, 2, 5]) }, () => this.keyValue());
  }

  put(): PutResponse {
    return this.chance(0.5) ? {} : { prevKv: this.keyValue() };
  }

  deleteRange(): DeleteRangeResponse {
    return { deleted: this.int64(), prevKvs: this.keyValues() };
  }

  range(): RangeResponse {
    return { kvs: this.keyValues(), more: this.chance(0.3), count: this.int64() };
  }

  txn(depth: number): TxnResponse {
    const responses: ResponseOp[] = [];
    const ops = this.pick([0, 1, 2, 4]);
    for (let i = 0; i < ops; i++) {
      const kind = this.prng.int(depth < 3 ? 4 : 3);
      if (kind === 0) responses.push({ responseRange: this.range() });
      else if (kind === 1) responses.push({ responsePut: this.put() });
      else if (kind === 2) responses.push({ responseDeleteRange: this.deleteRange() });
      else responses.push({ responseTxn: this.txn(depth + 1) });
    }
    return { succeeded: this.chance(0.5), responses };
  }
}

// ---- The same answers as plain objects with proto3 defaults left out (Go's encoding).

const int = (value: number | bigint): string | undefined =>
  value === 0 || value === 0n ? undefined : String(value);
const bytesOrNone = (value: Uint8Array): Uint8Array | undefined =>
  value.length === 0 ? undefined : value;

const goHeader = (h: ResponseHeader): object => ({
  clusterId: int(h.clusterId),
  memberId: int(h.memberId),
  revision: int(h.revision),
  raftTerm: int(h.raftTerm),
});

const goKeyValue = (kv: KeyValue): object => ({
  key: bytesOrNone(kv.key),
  createRevision: int(kv.createRevision),
  modRevision: int(kv.modRevision),
  version: int(kv.version),
  value: bytesOrNone(kv.value),
  lease: int(kv.lease),
});

const goPut = (h: ResponseHeader, r: PutResponse): object => ({
  header: goHeader(h),
  prevKv: r.prevKv === undefined ? undefined : goKeyValue(r.prevKv),
});

const goDeleteRange = (h: ResponseHeader, r: DeleteRangeResponse): object => ({
  header: goHeader(h),
  deleted: int(r.deleted),
  prevKvs: r.prevKvs.map(goKeyValue),
});

const goRange = (h: ResponseHeader, r: RangeResponse): object => ({
  header: goHeader(h),
  kvs: r.kvs.map(goKeyValue),
  more: r.more ? true : undefined,
  count: int(r.count),
});

const goTxn = (h: ResponseHeader, r: TxnResponse): object => ({
  header: goHeader(h),
  succeeded: r.succeeded ? true : undefined,
  responses: r.responses.map((op) => {
    if ('responseRange' in op) return { responseRange: goRange(h, op.responseRange) };
    if ('responsePut' in op) return { responsePut: goPut(h, op.responsePut) };
    if ('responseDeleteRange' in op) {
      return { responseDeleteRange: goDeleteRange(h, op.responseDeleteRange) };
    }
    return { responseTxn: goTxn(h, op.responseTxn) };
  }),
});

// ---- The comparison.

interface Case<R> {
  readonly method: 'Put' | 'DeleteRange' | 'Txn';
  readonly make: (gen: Gen) => R;
  readonly encode: (h: ResponseHeader, r: R) => PreEncoded;
  readonly go: (h: ResponseHeader, r: R) => object;
  /** The plain wire object the handler answered before the hand encoder. */
  readonly wire: (h: ResponseHeader, r: R) => object;
}

function check<R>(c: Case<R>, seed: number, rounds: number): number {
  const gen = new Gen(new Prng(seed));
  const method = served[c.method]!;
  const protobufjs = generic[c.method]!;
  let bytesCompared = 0;
  for (let round = 0; round < rounds; round++) {
    const header = gen.header();
    const response = c.make(gen);
    const encoded = c.encode(header, response);
    const bytes = preEncodedOf(encoded);
    assert.ok(bytes !== undefined, 'the answer is pre-encoded');
    // The served serializer passes the bytes through as they are.
    assert.equal(method.responseSerialize(encoded), bytes);
    const expected = protobufjs.responseSerialize(c.go(header, response));
    if (!bytes.equals(expected)) {
      assert.fail(
        `${c.method} round ${round}: ${bytes.length} bytes differ from protobufjs's ` +
          `${expected.length}: ${bytes.toString('hex').slice(0, 400)} vs ` +
          expected.toString('hex').slice(0, 400),
      );
    }
    bytesCompared += bytes.length;
    assert.deepEqual(
      method.responseDeserialize(bytes),
      protobufjs.responseDeserialize(protobufjs.responseSerialize(c.wire(header, response))),
      `${c.method} round ${round}: decodes as the generic path's answer`,
    );
  }
  return bytesCompared;
}

describe('KV write answer encoders, differential against protobufjs', () => {
  it('PutResponse: header, prev_kv present or absent', () => {
    check<PutResponse>(
      {
        method: 'Put',
        make: (gen) => gen.put(),
        encode: encodePut,
        go: goPut,
        wire: toWirePut,
      },
      0x9075,
      1500,
    );
  });

  it('DeleteRangeResponse: header, deleted, prev_kvs', () => {
    check<DeleteRangeResponse>(
      {
        method: 'DeleteRange',
        make: (gen) => gen.deleteRange(),
        encode: encodeDeleteRange,
        go: goDeleteRange,
        wire: toWireDeleteRange,
      },
      0xde1e7e,
      1000,
    );
  });

  it('TxnResponse: every kind of answer, nested txns', () => {
    check<TxnResponse>(
      {
        method: 'Txn',
        make: (gen) => gen.txn(0),
        encode: encodeTxn,
        go: goTxn,
        wire: toWireTxn,
      },
      0x7c5,
      800,
    );
  });

  it('writes a put answer as Go does: the header field alone', () => {
    const header: ResponseHeader = { clusterId: 0n, memberId: 5n, revision: 0, raftTerm: 1 };
    const bytes = preEncodedOf(encodePut(header, {}))!;
    // header: tag 0x0a, length 4, member_id 5 (10 05), raft_term 1 (20 01); revision 0 left out.
    assert.deepEqual([...bytes], [0x0a, 4, 0x10, 5, 0x20, 1]);
    const txn = preEncodedOf(
      encodeTxn(header, { succeeded: false, responses: [{ responsePut: {} }] }),
    )!;
    // responses: tag 0x1a, length 8: response_put (12 06) holding the put answer above.
    assert.deepEqual([...txn.subarray(6)], [0x1a, 8, 0x12, 6, 0x0a, 4, 0x10, 5, 0x20, 1]);
  });
});
