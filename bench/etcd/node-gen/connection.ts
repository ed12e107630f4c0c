/**
 * One gRPC connection (HTTP/2 channel) to a server, with the KV, Lease, Watch and Maintenance
 * services on it, built from Concord's own .proto (etcd's field numbers, so it talks to etcd too).
 * Calls are promises; the messages are plain objects in the proto-loader shapes (int64 as
 * decimal strings, bytes as Buffer, enums as names).
 */
import * as grpc from '@grpc/grpc-js';
import { serviceConstructor, type ServiceName } from '../../../src/client/proto.js';

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type Unary = (request: object, options: grpc.CallOptions, callback: Callback) => void;

export interface ResponseHeader {
  readonly revision: string;
}

export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly modRevision: string;
}

export interface Connection {
  unary<Response>(
    service: 'KV' | 'Lease' | 'Maintenance',
    method: string,
    request: object,
    deadlineMs?: number,
  ): Promise<Response>;
  /** A new bidirectional stream (LeaseKeepAlive or Watch). */
  stream(service: 'Lease' | 'Watch', method: string): grpc.ClientDuplexStream<object, unknown>;
  close(): void;
}

/** Opens a connection of its own (never shared with another Connection to the same server). */
export function connect(endpoint: string): Connection {
  const client = (name: ServiceName, options: grpc.ClientOptions): grpc.Client => {
    const Service = serviceConstructor(name);
    return new Service(endpoint, grpc.credentials.createInsecure(), options);
  };
  // A local subchannel pool: grpc-js would otherwise put every client of one target on
  // one TCP connection, and "M connections" would silently be one.
  const kv = client('KV', { 'grpc.use_local_subchannel_pool': 1 });
  const channel = kv.getChannel();
  const lease = client('Lease', { channelOverride: channel });
  const watch = client('Watch', { channelOverride: channel });
  const maintenance = client('Maintenance', { channelOverride: channel });
  const clients = { KV: kv, Lease: lease, Watch: watch, Maintenance: maintenance };
  return {
    unary: (service, method, request, deadlineMs) =>
      new Promise((resolve, reject) => {
        const call = (clients[service] as unknown as Record<string, Unary>)[method];
        if (call === undefined) throw new Error(`no method ${service}.${method}`);
        call.call(
          clients[service],
          request,
          deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs },
          (e, r) => (e === null ? resolve(r as never) : reject(e)),
        );
      }),
    stream: (service, method) => {
      const open = (clients[service] as unknown as Record<string, () => unknown>)[method];
      if (open === undefined) throw new Error(`no method ${service}.${method}`);
      return open.call(clients[service]) as grpc.ClientDuplexStream<object, unknown>;
    },
    close: () => {
      maintenance.close();
      watch.close();
      lease.close();
      kv.close();
    },
  };
}
