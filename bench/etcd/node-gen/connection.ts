/**
 * One gRPC connection (HTTP/2 channel) to a server, with the KV, Lease, Watch and Maintenance
 * services on it, built from Concord's own .proto (etcd's field numbers, so it talks to etcd too).
 * Calls are promises; the messages are plain objects in the proto-loader shapes (int64 as
 * decimal strings, bytes as Buffer, enums as names).
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const protoRoot = fileURLToPath(new URL('../../../proto/', import.meta.url));

type Services = Record<'KV' | 'Lease' | 'Watch' | 'Maintenance', grpc.ServiceClientConstructor>;
let services: Services | undefined;

function load(): Services {
  const definition = loadSync('etcdserverpb/rpc.proto', {
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
    includeDirs: [protoRoot],
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    etcdserverpb: Services;
  };
  return loaded.etcdserverpb;
}

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
  services ??= load();
  // A local subchannel pool: grpc-js would otherwise put every client of one target on
  // one TCP connection, and "M connections" would silently be one.
  const kv = new services.KV(endpoint, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const channel = kv.getChannel();
  const lease = new services.Lease(endpoint, grpc.credentials.createInsecure(), {
    channelOverride: channel,
  });
  const watch = new services.Watch(endpoint, grpc.credentials.createInsecure(), {
    channelOverride: channel,
  });
  const maintenance = new services.Maintenance(endpoint, grpc.credentials.createInsecure(), {
    channelOverride: channel,
  });
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
