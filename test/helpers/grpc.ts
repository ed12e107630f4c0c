/**
 * Raw gRPC clients built from our own .proto (etcd's names and field numbers), for what the
 * etcd clients will not send: empty keys, oversize requests, too many txn ops, and for exact
 * status codes and messages. Plus a full-state snapshot to prove bad input changed nothing.
 */
import * as grpc from '@grpc/grpc-js';
import { serviceConstructor, type ServiceName } from '../../src/client/proto.js';

export type { ServiceName };

/** A raw client for one etcd service, without grpc-js's message size limits. */
export function rawClient(
  service: ServiceName,
  endpoint: string,
  options: grpc.ChannelOptions = {},
): grpc.Client {
  const Constructor = serviceConstructor(service);
  return new Constructor(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
    ...options,
  });
}

type UnaryMethod = (
  request: object,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => void;

/** Calls a unary method by name; resolves the response, rejects with the ServiceError. */
export function unaryCall<Response>(
  client: grpc.Client,
  method: string,
  request: object,
): Promise<Response> {
  const call = (client as unknown as Record<string, UnaryMethod>)[method];
  if (call === undefined) throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    call.call(client, request, (error, response) =>
      error === null ? resolve(response as Response) : reject(error),
    );
  });
}

/** The [code, message] a call failed with; throws if it succeeded. */
export async function refusal(promise: Promise<unknown>): Promise<[number, string]> {
  try {
    await promise;
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return [code, details];
  }
  throw new Error('expected the call to fail, it succeeded');
}

export interface KeyValueOut {
  key: Buffer;
  value: Buffer;
  createRevision: string;
  modRevision: string;
  version: string;
  lease: string;
}

export interface RangeOut {
  header: { revision: string; memberId: string; clusterId: string; raftTerm: string };
  kvs: KeyValueOut[];
  count: string;
  more: boolean;
}

/** Everything in the store, and its revision: equal before and after means nothing changed. */
export async function fullState(kv: grpc.Client): Promise<{ revision: number; kvs: string[] }> {
  const all = await unaryCall<RangeOut>(kv, 'Range', {
    key: Buffer.from([0]),
    rangeEnd: Buffer.from([0]),
  });
  return {
    revision: Number(all.header.revision),
    kvs: all.kvs.map(
      (kv) =>
        `${kv.key.toString('hex')}=${kv.value.toString('hex')} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`,
    ),
  };
}
