/**
 * Shared by the differential tests of the hand-written request decoders
 * (range-request-decoder-fuzz, put-request-decoder-fuzz, lease-keepalive-request-decoder-fuzz): the proto loader's generic
 * deserializer beside the one the server uses, an outcome to compare (the value, or the
 * error's message), and the bytes and int64 edges the inputs are built from.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
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
