/**
 * Loads Concord's .proto files (proto/ at the package root) once, at startup, into gRPC service
 * definitions. The options fix the wire's TypeScript shapes described in ./wire/common.ts:
 * int64 as exact decimal strings, bytes as Buffer, enums as names, defaults filled, and a
 * virtual field naming the member present in each oneof.
 *
 * The KV writes' request deserializers are wrapped to remember the message's encoded size, so
 * handlers can refuse a write larger than --max-request-bytes with etcd's error (see
 * `requestBytes`).
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Options } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { assert } from '../base/assert.js';
import { decodeLeaseKeepAliveRequest } from './wire/lease-keepalive-request-decoder.js';
import { decodePutRequest } from './wire/put-request-decoder.js';
import { decodeRangeRequest } from './wire/range-request-decoder.js';
import { preEncodedOf } from './wire/pre-encoded.js';

const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The proto loader options of the served services (tests load the generic decoders with them). */
export const loaderOptions: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  oneofs: true,
  includeDirs: [protoRoot],
};

export type ServiceName =
  'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth' | 'Lock' | 'Election';

/** Each service's proto package (etcd's lock and election services have their own files). */
const packageOf: Readonly<Record<ServiceName, string>> = {
  KV: 'etcdserverpb',
  Watch: 'etcdserverpb',
  Lease: 'etcdserverpb',
  Cluster: 'etcdserverpb',
  Maintenance: 'etcdserverpb',
  Auth: 'etcdserverpb',
  Lock: 'v3lockpb',
  Election: 'v3electionpb',
};

export type EtcdServices = Readonly<Record<ServiceName, ServiceDefinition>>;

const encodedSizes = new WeakMap<object, number>();

/**
 * The encoded size of a KV write request as received (0 for other requests, and for one not
 * decoded by us).
 */
export function requestBytes(request: object): number {
  return encodedSizes.get(request) ?? 0;
}

let cached: EtcdServices | undefined;

/**
 * The etcd v3 services, loaded from proto/etcdserverpb/rpc.proto, proto/v3lockpb/v3lock.proto
 * and proto/v3electionpb/v3election.proto.
 */
export function etcdServices(): EtcdServices {
  cached ??= loadServices();
  return cached;
}

function loadServices(): EtcdServices {
  const definition = loadSync(
    ['etcdserverpb/rpc.proto', 'v3lockpb/v3lock.proto', 'v3electionpb/v3election.proto'],
    loaderOptions,
  );
  const service = (name: ServiceName): ServiceDefinition => {
    const loaded = definition[`${packageOf[name]}.${name}`];
    assert(loaded !== undefined && !('format' in loaded), `proto: service ${name} missing`);
    return measured(loaded as ServiceDefinition);
  };
  return {
    KV: service('KV'),
    Watch: service('Watch'),
    Lease: service('Lease'),
    Cluster: service('Cluster'),
    Maintenance: service('Maintenance'),
    Auth: service('Auth'),
    Lock: service('Lock'),
    Election: service('Election'),
  };
}

// The proto-loader boundary: method definitions are untyped there; handlers type their ends.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod = MethodDefinition<any, any>;

/**
 * The requests whose size a handler checks (kv.ts: the writes). Only theirs are recorded: a
 * WeakMap entry per request was ~2% of a member's CPU on reads that never look at it.
 */
const sizeChecked = new Set([
  '/etcdserverpb.KV/Put',
  '/etcdserverpb.KV/DeleteRange',
  '/etcdserverpb.KV/Txn',
]);

/**
 * The requests decoded without protobufjs's reflection (./wire/): every read's, put's and
 * keep-alive's. Each answers undefined for a message it does not take, which then goes to the
 * generic decoder.
 */
const handDecoders = new Map<string, (buffer: Buffer) => object | undefined>([
  ['/etcdserverpb.KV/Range', decodeRangeRequest],
  ['/etcdserverpb.KV/Put', decodePutRequest],
  ['/etcdserverpb.Lease/LeaseKeepAlive', decodeLeaseKeepAliveRequest],
]);

function measured(service: ServiceDefinition): ServiceDefinition {
  const wrapped: Record<string, AnyMethod> = {};
  for (const [name, method] of Object.entries(service) as [string, AnyMethod][]) {
    const generic = method.requestDeserialize;
    const byHand = handDecoders.get(method.path);
    const deserialize =
      byHand === undefined
        ? generic
        : (buffer: Buffer): unknown => byHand(buffer) ?? generic(buffer);
    wrapped[name] = {
      ...method,
      requestDeserialize: sizeChecked.has(method.path)
        ? (buffer: Buffer): object => {
            const message = deserialize(buffer) as object;
            encodedSizes.set(message, buffer.length);
            return message;
          }
        : deserialize,
      // A response a service encoded itself (./wire/pre-encoded.ts) goes out as it is.
      responseSerialize: (message: unknown): Buffer =>
        preEncodedOf(message) ?? method.responseSerialize(message),
    };
  }
  return wrapped;
}
