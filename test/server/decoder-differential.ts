/**
 * Shared by the differential tests of the hand-written request decoders
 * (range-request-decoder-fuzz, put-request-decoder-fuzz, lease-keepalive-request-decoder-fuzz): the proto loader's generic
 * deserializer beside the one the server uses, an outcome to compare (the value, or the
 * error's message), and the bytes and int64 edges the inputs are built from.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import type { Prng } from '../../src/base/prng.js';
import { etcdServices, loaderOptions } from '../../src/server/proto.js';

const definition = loadSync('etcdserverpb/rpc.proto', loaderOptions);

/** A KV method's generic (protobufjs) and served deserializers. */
export function kvDecoders(method: 'Range' | 'Put'): {
  generic: MethodDefinition<object, object>;
  served: MethodDefinition<object, object>;
} {
  return decoders('KV', method);
}

/** A method's generic (protobufjs) and served deserializers. */
export function decoders(
  service: 'KV' | 'Lease',
  method: string,
): {
  generic: MethodDefinition<object, object>;
  served: MethodDefinition<object, object>;
} {
  const loaded = definition[`etcdserverpb.${service}`] as Record<
    string,
    MethodDefinition<object, object>
  >;
  const served = etcdServices()[service] as unknown as Record<
    string,
    MethodDefinition<object, object>
  >;
  return { generic: loaded[method]!, served: served[method]! };
}

export type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

export function outcome(decode: (bytes: Buffer) => unknown, bytes: Buffer): Outcome {
  try {
    return { ok: true, value: decode(bytes) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** `value` as a protobuf varint (two's complement for negatives, as int64 is sent). */
export function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** `base` and three mutations of it: a flipped bit (wire types, tags, lengths), a cut tail, an inserted byte. */
export function withMutations(base: Buffer, prng: Prng): Buffer[] {
  const flipped = Buffer.from(base);
  if (flipped.length > 0) flipped[prng.int(flipped.length)] ^= 1 << prng.int(8);
  const cut = base.subarray(0, prng.int(base.length + 1));
  const at = prng.int(base.length + 1);
  const inserted = Buffer.concat([
    base.subarray(0, at),
    Buffer.from([prng.int(256)]),
    base.subarray(at),
  ]);
  return [base, flipped, cut, inserted];
}

/** Asserts that the served deserializer answers `bytes` as the generic one does. */
export function assertSameAnswer(
  pair: { generic: MethodDefinition<object, object>; served: MethodDefinition<object, object> },
  bytes: Buffer,
): void {
  assert.deepEqual(
    outcome((b) => pair.served.requestDeserialize(b), bytes),
    outcome((b) => pair.generic.requestDeserialize(b), bytes),
    `input ${bytes.toString('hex')}`,
  );
}

/** int64 values at the edges of varint lengths, safe integers, 32 bits and the sign. */
export const int64Edges: readonly bigint[] = [
  0n,
  1n,
  127n,
  128n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 32n + 1n,
  2n ** 49n - 1n,
  2n ** 49n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -1n,
  -(2n ** 31n),
  -(2n ** 63n),
];

/**
 * Compares both deserializers on 3,000 requests made by `request` and on their mutations
 * (12,000 inputs). Returns how many inputs `byHand` decoded: the comparison means something
 * only if most took the hand decoder.
 */
export function compareOnRandomInputs(
  pair: { generic: MethodDefinition<object, object>; served: MethodDefinition<object, object> },
  prng: Prng,
  request: () => number[],
  byHand: (bytes: Buffer) => unknown,
): number {
  let decodedByHand = 0;
  for (let round = 0; round < 3000; round++) {
    for (const bytes of withMutations(Buffer.from(request()), prng)) {
      assertSameAnswer(pair, bytes);
      if (byHand(bytes) !== undefined) decodedByHand++;
    }
  }
  return decodedByHand;
}
