/**
 * Which failures a call may retry, and which move the client to another member. The rule
 * (as etcd's clientv3): reads retry on any transient failure; a write retries only when a
 * second copy cannot apply twice: it carries a request identity (Concord dedupes it), or
 * the failure proves the first copy was not applied (no connection, or no leader to
 * propose to).
 */
import { status, type ServiceError } from '@grpc/grpc-js';

/**
 * - read: no effect; retried on any transient failure.
 * - write: Put, DeleteRange, Txn with writes: Concord honours a request identity for these.
 * - unidentified-write: a write the server cannot dedupe (LeaseGrant, Compact): retried only
 *   when it cannot have been applied.
 */
export type CallKind = 'read' | 'write' | 'unidentified-write';

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    'details' in error
  );
}

/** The request never reached a server (grpc-js could not connect). */
export function notSent(error: ServiceError): boolean {
  return (
    error.code === status.UNAVAILABLE &&
    /No connection established|ECONNREFUSED|failed to connect/i.test(error.details)
  );
}

const noLeaderMessages = new Set(['etcdserver: no leader', 'raft proposal dropped']);

/** Worth asking another member: this one is gone, partitioned, or without a leader. */
export function shouldFailover(error: ServiceError): boolean {
  return (
    error.code === status.UNAVAILABLE ||
    noLeaderMessages.has(error.details) ||
    error.details === 'etcdserver: rpc not supported for learner'
  );
}

/** Transient: the same request may succeed later or elsewhere. */
function transient(error: ServiceError): boolean {
  return (
    shouldFailover(error) ||
    error.details === 'etcdserver: too many requests' ||
    error.details === 'etcdserver: leader changed'
  );
}

export function retryable(error: ServiceError, kind: CallKind, identified: boolean): boolean {
  if (kind === 'read' || identified) return transient(error);
  return notSent(error) || error.details === 'etcdserver: no leader';
}

export function isInvalidToken(error: ServiceError): boolean {
  return error.details === 'etcdserver: invalid auth token';
}

export function isSessionExpired(error: ServiceError): boolean {
  // session-table.ts: "concord: no session for client ..." (SessionExpired).
  return (
    error.code === status.FAILED_PRECONDITION &&
    error.details.startsWith('concord: no session for client')
  );
}

/** Exponential backoff with full jitter, bounded. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 16));
  return cap / 2 + Math.random() * (cap / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
