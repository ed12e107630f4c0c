/**
 * What a client call may fail with. Errors from the server keep its gRPC status code and
 * etcd's exact message (`details`), so callers can match on them as etcd's clients do;
 * errors the client makes itself have their own classes.
 */
import { status, type ServiceError } from '@grpc/grpc-js';

/** The server (or the transport) refused a call; `code` is the gRPC status. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: status,
    readonly details: string,
    readonly endpoint: string,
  ) {
    super(`${details} (${status[code] ?? code}, ${endpoint})`);
  }

  static from(error: ServiceError, endpoint: string): ServerError {
    return new ServerError(error.code, error.details, endpoint);
  }
}

/** A watch asked for a revision that has been compacted away; nothing more will arrive. */
export class CompactedError extends Error {
  override readonly name = 'CompactedError';
  constructor(
    /** The oldest revision still available is this one (etcd's compact_revision). */
    readonly compactRevision: number,
  ) {
    super(
      `etcdserver: mvcc: required revision has been compacted (compacted at ${compactRevision})`,
    );
  }
}

/**
 * A write was retried and the cluster can no longer say whether an earlier copy was applied
 * (its at-most-once session expired). The caller must find out by reading.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
}

/** The call's deadline passed (the `timeoutMs` option or the client's `requestTimeoutMs`). */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** The client was closed. */
export class ClosedError extends Error {
  override readonly name = 'ClosedError';
  constructor() {
    super('concord client: closed');
  }
}

/** Why a lease was lost, for the lease's and the session's "lost" event. */
export type LeaseLostReason =
  /** The server answered a keep-alive with TTL 0: expired, or revoked by someone else. */
  | 'expired'
  /** No keep-alive succeeded for a whole TTL: the lease may have expired on the server. */
  | 'keepalive-timeout';

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly leaseId: bigint,
    readonly reason: LeaseLostReason,
  ) {
    super(`concord client: lease ${leaseId.toString(16)} lost (${reason})`);
  }
}

/** The error an aborted call rejects with: the signal's reason, or an AbortError. */
export function abortError(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('concord client: aborted');
  error.name = 'AbortError';
  return error;
}
