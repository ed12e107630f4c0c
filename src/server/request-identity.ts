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

/**
 * A call that reads its request's headers as `metadata.get(key)` would give them, without
 * building grpc-js Metadata (the HTTP/2 fast path's calls: a Metadata per write was ~0.8% of
 * the leader's busy time, for the two headers read here).
 */
export interface RequestHeaders {
  headerValues(key: string): readonly (string | Buffer)[];
}

/** The call's header values as `metadata.get(key)`: from the call itself when it can. */
export function metadataValues(
  call: { readonly metadata: Metadata } | RequestHeaders,
  key: string,
): readonly (string | Buffer)[] {
  return 'headerValues' in call ? call.headerValues(key) : call.metadata.get(key);
}

export function identityFrom(
  call: { readonly metadata: Metadata } | RequestHeaders,
): RequestOptions['identity'] {
  const clientId = single(call, clientIdHeader);
  const sequence = single(call, sequenceHeader);
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

function single(
  call: { readonly metadata: Metadata } | RequestHeaders,
  key: string,
): string | undefined {
  const values = metadataValues(call, key);
  if (values.length === 0) return undefined;
  const value = values[values.length - 1]!;
  return typeof value === 'string' ? value : value.toString('utf8');
}
