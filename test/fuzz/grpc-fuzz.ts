/**
 * Sends raw request bytes on a real gRPC call (identity serializers: the bytes go on the wire
 * exactly as given) and judges the status that comes back against what Concord may answer.
 */
import * as grpc from '@grpc/grpc-js';
import { errorTable } from '../../src/server/errors.js';
import type { FuzzMethod } from './methods.js';

export interface Outcome {
  readonly code: number;
  readonly details: string;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** A client for raw calls to any path, without message size limits of its own. */
export function rawChannel(endpoint: string): grpc.Client {
  return new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
}

/**
 * One call with `request` as its only message. Streams are given `streamMs` to answer before
 * the client gives up (a valid Watch or Observe never ends by itself); unary calls `unaryMs`.
 */
export function callRaw(
  client: grpc.Client,
  method: FuzzMethod,
  request: Buffer,
  { unaryMs = 5000, streamMs = 300 } = {},
): Promise<Outcome> {
  const deadline = Date.now() + (method.shape === 'unary' ? unaryMs : streamMs);
  return new Promise((resolve) => {
    const done = (status: grpc.StatusObject | grpc.ServiceError | null): void =>
      resolve(
        status === null ? { code: 0, details: '' } : { code: status.code, details: status.details },
      );
    if (method.shape === 'unary') {
      client.makeUnaryRequest(method.path, identity, identity, request, { deadline }, (error) =>
        done(error),
      );
      return;
    }
    const call =
      method.shape === 'serverStream'
        ? client.makeServerStreamRequest(method.path, identity, identity, request, { deadline })
        : client.makeBidiStreamRequest(method.path, identity, identity, { deadline });
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', done);
    if (method.shape === 'bidi') {
      const duplex = call as grpc.ClientDuplexStream<Buffer, Buffer>;
      duplex.write(request);
      duplex.end();
    }
  });
}

const tableMessages = new Map<string, number>(
  Object.values(errorTable).map((row) => [row.message, row.status]),
);
const ownMessageCodes = new Set<number>(
  Object.values(errorTable)
    .filter((row) => 'ownMessage' in row && row.ownMessage === true)
    .map((row) => row.status),
);

/** Codes grpc-js itself answers for a call it cannot run (deadline, size, cancellation). */
const transportCodes = new Set<number>([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.UNAVAILABLE,
]);

/**
 * Why an answer is not one Concord may give (undefined if it may): UNKNOWN only with one of
 * etcd's own texts (never a thrown TypeError's), INTERNAL only for an undecodable request,
 * never a stack trace.
 */
export function badOutcome(outcome: Outcome): string | undefined {
  const { code, details } = outcome;
  if (
    /\n\s+at |\bat .+:\d+:\d+\)|TypeError|ReferenceError|RangeError|Cannot read prop/.test(details)
  ) {
    return `a stack trace or a JavaScript error in the details: ${details}`;
  }
  if (code === grpc.status.OK) return undefined;
  if (code === grpc.status.INTERNAL) {
    return details.startsWith('Error deserializing request') || tableMessages.get(details) === code
      ? undefined
      : `INTERNAL not from decoding: ${details}`;
  }
  if (code === grpc.status.UNKNOWN) {
    return tableMessages.get(details) === code
      ? undefined
      : `UNKNOWN with a text that is not etcd's: ${details}`;
  }
  if (transportCodes.has(code)) return undefined;
  if (tableMessages.get(details) === code || ownMessageCodes.has(code)) return undefined;
  if (code === grpc.status.UNIMPLEMENTED) return undefined;
  return `code ${grpc.status[code]} with a text not in the error table: ${details}`;
}
