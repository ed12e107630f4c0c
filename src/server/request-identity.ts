import type { Metadata } from '@grpc/grpc-js';
import { ConcordError } from '../base/errors.js';
import type { RequestOptions } from '../node/api.js';

/**
 * At-most-once (DESIGN.md promise 6): a client that may retry a write tags it with its own ID
 * and a sequence number in gRPC metadata; the state machine applies a request with the same
 * identity once and answers retries with the original outcome. Plain etcd clients send
 * neither header and get etcd's semantics.
 */
export const clientIdHeader = 'concord-client-id';
export const sequenceHeader = 'concord-request-seq';
const clientIdBytesMax = 128;

export function identityFrom(metadata: Metadata): RequestOptions['identity'] {
  const clientId = single(metadata, clientIdHeader);
  const sequence = single(metadata, sequenceHeader);
  if (clientId === undefined && sequence === undefined) return undefined;
  if (clientId === undefined || sequence === undefined) {
    throw new ConcordError(
      'InvalidArgument',
      `concord: ${clientIdHeader} and ${sequenceHeader} go together`,
    );
  }
  const seq = Number(sequence);
  if (clientId.length === 0 || clientId.length > clientIdBytesMax) {
    throw new ConcordError(
      'InvalidArgument',
      `concord: ${clientIdHeader} must be 1-${clientIdBytesMax} characters`,
    );
  }
  if (!/^[0-9]+$/.test(sequence) || !Number.isSafeInteger(seq) || seq < 1) {
    throw new ConcordError(
      'InvalidArgument',
      `concord: ${sequenceHeader} must be a positive integer`,
    );
  }
  return { clientId, sequence: seq };
}

function single(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length === 0) return undefined;
  const value = values[values.length - 1]!;
  return typeof value === 'string' ? value : value.toString('utf8');
}
