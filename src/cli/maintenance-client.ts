/**
 * A small client for one member's Maintenance.Status, over the same service definition the
 * server loads from proto/ (src/server/proto.ts), with grpc-js: `concord cluster` waits with
 * it for the plaintext members it started. Commands that take etcdctl's global flags (TLS,
 * auth) go through Concord's client instead (./commands/context.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/grpc-js';
import { etcdServices } from '../server/proto.js';
import type { StatusResponseOut } from '../server/wire/maintenance.js';
import { CommandError } from './command-error.js';

type Method<Response> = MethodDefinition<object, Response>;

function method<Response>(name: 'Status'): Method<Response> {
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
