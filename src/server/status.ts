/**
 * Turns whatever a handler threw into the status a client receives. ConcordErrors go through
 * the table in ./errors.ts. Anything else is a bug (src/node/api.ts promises only
 * ConcordErrors): the client gets codes.Unknown with the error's text, as etcd answers an
 * unmapped error, and the bug is handed to `onBug`, which by default crashes the process
 * loudly on a fresh tick (STYLE.md: assertions are never caught).
 */
import type { StatusObject } from '@grpc/grpc-js';
import { Metadata, status } from '@grpc/grpc-js';
import { isConcordError } from '../base/errors.js';
import type { ConcordError, ErrorCode } from '../base/errors.js';
import { errorTable } from './errors.js';

export type BugHandler = (error: unknown) => void;

/** The default bug handler: rethrow outside any promise chain, so the process stops. */
export const crashOnBug: BugHandler = (error) => {
  setImmediate(() => {
    throw error;
  });
};

export function statusOf(error: unknown, onBug: BugHandler): StatusObject {
  if (isConcordError(error)) return concordStatus(error);
  onBug(error);
  const details = error instanceof Error ? error.message : String(error);
  return { code: status.UNKNOWN, details, metadata: new Metadata() };
}

export function concordStatus(error: ConcordError): StatusObject {
  const row = errorTable[error.code];
  const own = row.ownMessage === true && error.message !== error.code;
  return {
    code: row.status,
    details: own ? error.message : row.message,
    metadata: new Metadata(),
  };
}

/** The status etcd answers for `code` (for errors the server raises itself). */
export function codeStatus(code: ErrorCode): StatusObject {
  const row = errorTable[code];
  return { code: row.status, details: row.message, metadata: new Metadata() };
}
