/** Calls with a token in the `token` metadata, as etcd clients send it. */
import * as grpc from '@grpc/grpc-js';

type UnaryWithMetadata = (
  request: object,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => void;

export function tokenMetadata(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('token', token);
  return metadata;
}

/** A unary call with `token` (none: no metadata); resolves the response or rejects. */
export function callAs<Response>(
  client: grpc.Client,
  method: string,
  request: object,
  token?: string,
): Promise<Response> {
  const call = (client as unknown as Record<string, UnaryWithMetadata>)[method];
  if (call === undefined) throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    call.call(client, request, tokenMetadata(token), (error, response) =>
      error === null ? resolve(response as Response) : reject(error),
    );
  });
}

export const bytes = (text: string): Buffer => Buffer.from(text);
