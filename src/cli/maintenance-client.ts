/**
 * A small client for one member's Maintenance service (Snapshot and Status), over the same
 * service definition the server loads from proto/ (src/server/proto.ts), with grpc-js.
 */
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/grpc-js';
import { etcdServices } from '../server/proto.js';
import type { SnapshotResponseOut, StatusResponseOut } from '../server/wire/maintenance.js';
import { CommandError, UsageError } from './command-error.js';

/** `host:port` from `host:port` or `http://host:port` (etcdctl accepts both). */
export function endpointAddress(endpoint: string): string {
  const text = endpoint.includes('://') ? endpoint : `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--endpoints: "${endpoint}" is not host:port`);
  }
  if (url.protocol === 'https:') {
    throw new UsageError(`--endpoints: "${endpoint}": TLS is not supported by this command yet`);
  }
  if (url.protocol !== 'http:' || url.port === '' || url.hostname === '') {
    throw new UsageError(`--endpoints: "${endpoint}" is not host:port`);
  }
  return url.host;
}

type Method<Response> = MethodDefinition<object, Response>;

function method<Response>(name: 'Snapshot' | 'Status'): Method<Response> {
  const definition = etcdServices().Maintenance[name];
  if (definition === undefined) throw new Error(`proto: Maintenance.${name} missing`);
  return definition as Method<Response>;
}

export class MaintenanceClient {
  private constructor(
    readonly address: string,
    private readonly client: grpc.Client,
  ) {}

  /** Connects, or fails with a CommandError after `dialTimeoutMs`. */
  static async connect(address: string, dialTimeoutMs: number): Promise<MaintenanceClient> {
    const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + dialTimeoutMs, (error) =>
          error === undefined ? resolve() : reject(error),
        ),
      );
    } catch {
      client.close();
      throw new CommandError(`cannot connect to ${address} within ${dialTimeoutMs} ms`);
    }
    return new MaintenanceClient(address, client);
  }

  /** The Snapshot stream's messages, in order; a failed call rejects the iteration. */
  snapshot(): AsyncIterable<SnapshotResponseOut> {
    const snapshot = method<SnapshotResponseOut>('Snapshot');
    return this.client.makeServerStreamRequest(
      snapshot.path,
      snapshot.requestSerialize,
      snapshot.responseDeserialize,
      {},
    );
  }

  status(timeoutMs: number): Promise<StatusResponseOut> {
    const status = method<StatusResponseOut>('Status');
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        status.path,
        status.requestSerialize,
        status.responseDeserialize,
        {},
        { deadline: Date.now() + timeoutMs },
        (error, response) =>
          error !== null || response === undefined ? reject(error) : resolve(response),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** A gRPC failure's text (status details), for messages. */
export function grpcErrorText(error: unknown): string {
  if (error instanceof Error && 'details' in error && typeof error.details === 'string') {
    return error.details;
  }
  return error instanceof Error ? error.message : String(error);
}
