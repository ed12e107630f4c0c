/**
 * A server-streaming call (Maintenance.Snapshot) over a Concord client's connection: the
 * same channel, TLS credentials and auth token as its unary calls. The client has no typed
 * Maintenance API, and a stream is never retried (a half-received snapshot cannot resume).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Client } from '../client/index.js';
import { CommandError } from './command-error.js';

type ServerStreamMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;

/**
 * The stream's messages from the client's current endpoint, in order; a failed call rejects
 * the iteration. The connection must be up within `dialTimeoutMs` (a CommandError if not);
 * the stream itself may take as long as it takes.
 */
export async function* serverStream<Response>(
  client: Client,
  service: 'Maintenance',
  method: string,
  request: object,
  dialTimeoutMs: number,
): AsyncGenerator<Response> {
  const connection = client.connection;
  const endpoint = connection.endpointName(connection.current);
  const grpcClient = connection.client(connection.current, service);
  const call = (grpcClient as unknown as Record<string, ServerStreamMethod | undefined>)[method];
  if (call === undefined) throw new Error(`no method ${service}.${method}`);
  const metadata = await connection.metadata(connection.closeSignal);
  // Not waitForReady on the call: a channel that cannot connect (refused, a TLS handshake
  // refused) fails the call at once with the reason. One that hangs is bounded here.
  const stream = call.call(grpcClient, request, metadata, {});
  let unconnected: CommandError | undefined;
  grpcClient.waitForReady(Date.now() + dialTimeoutMs, (error) => {
    if (error === undefined) return;
    unconnected = new CommandError(`cannot connect to ${endpoint} within ${dialTimeoutMs} ms`);
    stream.cancel();
  });
  const onClose = (): void => stream.cancel();
  connection.closeSignal.addEventListener('abort', onClose, { once: true });
  try {
    for await (const message of stream) yield message as Response;
  } catch (error) {
    throw unconnected ?? error;
  } finally {
    connection.closeSignal.removeEventListener('abort', onClose);
    stream.cancel();
  }
}
