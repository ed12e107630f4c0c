import { ConcordError, isConcordError, type ErrorCode } from '../base/errors.js';

/**
 * Requests one member makes of another over the peer transport: what only the leader can
 * answer (its lease clock), and a follower's word that clients there wait on its applies
 * (`commitsWanted`: see CommitNotices; its id is unused). JSON, small and rare; bigints
 * travel as decimal strings.
 */
export type PeerRequest =
  | { readonly op: 'leaseKeepAlive'; readonly id: string }
  | { readonly op: 'leaseTimeToLive'; readonly id: string }
  | { readonly op: 'learnerReady'; readonly id: string }
  | { readonly op: 'commitsWanted'; readonly id: string };

export type PeerResponse =
  /** A TTL in seconds, or 1/0 for yes/no. */
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePeerMessage(message: PeerRequest | PeerResponse): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

export function decodePeerRequest(bytes: Uint8Array): PeerRequest {
  const parsed = parse(bytes) as Partial<PeerRequest>;
  const ops: readonly string[] = [
    'leaseKeepAlive',
    'leaseTimeToLive',
    'learnerReady',
    'commitsWanted',
  ];
  if (typeof parsed.op === 'string' && ops.includes(parsed.op) && typeof parsed.id === 'string') {
    return { op: parsed.op, id: parsed.id } as PeerRequest;
  }
  throw new ConcordError('Corrupt', 'malformed peer request');
}

export function decodePeerResponse(bytes: Uint8Array): PeerResponse {
  const parsed = parse(bytes) as Partial<PeerResponse> & Record<string, unknown>;
  if (parsed.ok === true && typeof parsed.value === 'number')
    return { ok: true, value: parsed.value };
  if (
    parsed.ok === false &&
    typeof parsed.code === 'string' &&
    typeof parsed.message === 'string'
  ) {
    return { ok: false, code: parsed.code as ErrorCode, message: parsed.message };
  }
  throw new ConcordError('Corrupt', 'malformed peer response');
}

/** A failure as it travels back to the member that asked. */
export function errorResponse(error: unknown): PeerResponse {
  if (isConcordError(error)) return { ok: false, code: error.code, message: error.message };
  throw error;
}

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ConcordError('Corrupt', 'malformed peer message');
  }
}
