/**
 * At-most-once application of client retries (DESIGN.md promise 6; Raft dissertation 6.3).
 * A request may carry an identity {clientId, sequence}. The session table, replicated like
 * everything else the state machine holds, maps each client to the highest sequence applied
 * for it and that request's outcome, so a retry (re-proposed after a leader change, perhaps
 * committed twice in the log) is applied once, and every copy answers the original result.
 *
 * The rules, for a request from `clientId` with `sequence`, against the client's session:
 * - No session, sequence 1: a new session; the request is applied.
 * - No session, sequence > 1: refused with `SessionExpired` (the session was evicted, or the
 *   client never started one). The request was NOT applied, but an earlier copy of it may
 *   have been: the table no longer knows. A client that gets this for a request it sent only
 *   once may resend it under a new session (a fresh clientId, sequence 1); for a retry, the
 *   outcome of the earlier copy is unknown and must be reported as such.
 * - sequence > the session's: a new request; applied (gaps are allowed: numbers a client
 *   used for requests that never reached the log are simply skipped).
 * - sequence == the session's: a duplicate; nothing is applied, and the result is the one the
 *   first copy got: the same revision and response, or the same rejection (a request that a
 *   state check refused stays refused, even if it would succeed now). When that response was
 *   larger than `sessionResponseBytesMax` it was not kept: the duplicate is refused with
 *   `StaleSequence` (it WAS applied, at the revision the message names).
 * - sequence < the session's: refused with `StaleSequence`: that request was applied (or
 *   refused) before, and only the latest result is kept. A client therefore has at most one
 *   request in flight per clientId (use several clientIds for concurrency).
 * - clientId empty or over `clientIdBytesMax` bytes, or sequence 0: `InvalidArgument`.
 * Refusals made by these rules change nothing (no session is created or touched).
 *
 * Bounded memory: at most `sessionsMax` sessions. When applying a request opens one more, the
 * session least recently active (the smallest Raft index of its last applied request; a
 * duplicate is not activity) is evicted, in the same transaction. Eviction depends only on
 * the applied entries, never on a clock, so every member evicts the same sessions at the same
 * index. Consequence: both limits are part of the replicated state machine and must be equal
 * on every member of a cluster (they are constants, overridable only for tests).
 *
 * The hole that remains (as in the dissertation): a copy of a session's FIRST request that
 * reaches the log after the session was evicted starts a new session and applies again. It
 * takes `sessionsMax` other clients' requests between the two copies.
 *
 * Sessions are per user when auth is on (see sessionName).
 *
 * Persistence: the `session` bucket maps the session name (UTF-8) to a record: format u8 (1),
 * sequence, last index, outcome u8 (0 applied, 1 rejected, 2 applied with the response not
 * kept), revision, then the response (response-codec.ts) or the error code and message. It
 * is written in the same backend transaction as the data the request changed, so a restart or
 * a snapshot restores it exactly as the data. Memory holds only clientId -> (sequence, last
 * index) in LRU order; outcomes are read from the backend when a duplicate arrives.
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { ByteReader, ByteWriter } from '../base/byte-codec.js';
import { ConcordError, type ErrorCode } from '../base/errors.js';
import { KiB } from '../base/limits.js';
import type { BackendRead, BackendWrite } from './backend.js';
import { getResponse, putResponse } from './response-codec.js';
import type { RequestIdentity, StateMachineResponse } from './types.js';

/** Sessions kept; past it the least recently active one is evicted. */
export const sessionsMaxDefault = 4096;
/** Stored responses larger than this are not kept (their duplicates get StaleSequence). */
export const sessionResponseBytesMaxDefault = 16 * KiB;
/** The longest clientId, in UTF-8 bytes (LMDB keys are at most 511 bytes). */
export const clientIdBytesMax = 128;

export interface SessionTableOptions {
  /** Default sessionsMaxDefault. Must be equal on every member (see the file comment). */
  readonly sessionsMax?: number;
  /** Default sessionResponseBytesMaxDefault. Must be equal on every member. */
  readonly sessionResponseBytesMax?: number;
}

/** What a request's first copy got: as ApplyResult's applied and rejected results. */
export type SessionOutcome =
  | {
      readonly status: 'applied';
      readonly revision: number;
      readonly response: StateMachineResponse;
    }
  | { readonly status: 'rejected'; readonly revision: number; readonly error: ConcordError };

/** The answer for a request with an identity, before it is applied. */
export type Admission =
  | { readonly kind: 'apply' }
  /** A duplicate: its first copy's outcome. */
  | { readonly kind: 'duplicate'; readonly outcome: SessionOutcome }
  /** Refused by the session rules; nothing is applied or recorded. */
  | { readonly kind: 'refuse'; readonly error: ConcordError };

export interface SessionInfo {
  readonly clientId: string;
  readonly sequence: number;
  /** The Raft index of the session's last applied request. */
  readonly lastIndex: number;
}

interface SessionHead {
  readonly sequence: number;
  readonly lastIndex: number;
}

const recordFormat = 1;
const outcomes = { applied: 0, rejected: 1, notKept: 2 } as const;
const utf8 = new TextEncoder();

export class SessionTable {
  readonly sessionsMax: number;
  readonly responseBytesMax: number;
  // Invariant: exactly the `session` bucket's clients, in ascending lastIndex order (Map
  // insertion order: a session that applies a request is deleted and inserted again).
  private readonly sessions = new Map<string, SessionHead>();
  // The newest lastIndex (0: none): records come in index order.
  private newestIndex = 0;

  constructor(options: SessionTableOptions = {}) {
    this.sessionsMax = options.sessionsMax ?? sessionsMaxDefault;
    this.responseBytesMax = options.sessionResponseBytesMax ?? sessionResponseBytesMaxDefault;
    assertSafeInteger(this.sessionsMax, 'sessionsMax');
    assert(this.sessionsMax >= 1, 'sessionsMax below 1');
    assertSafeInteger(this.responseBytesMax, 'sessionResponseBytesMax');
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Loads the `session` bucket (after open or a snapshot restore). */
  restore(reader: BackendRead): void {
    const loaded: [string, SessionHead][] = [];
    reader.scan('session', {}, (key, value) => {
      const clientId = decodeClientId(key);
      const r = new ByteReader(value, `session ${JSON.stringify(clientId)}`);
      loaded.push([clientId, readHead(r)]);
    });
    loaded.sort((a, b) => a[1].lastIndex - b[1].lastIndex);
    this.sessions.clear();
    for (const [clientId, head] of loaded) this.sessions.set(clientId, head);
    this.newestIndex = loaded[loaded.length - 1]?.[1].lastIndex ?? 0;
  }

  /** Decides what to do with a request carrying `identity` (see the rules above). */
  admit(reader: BackendRead, identity: RequestIdentity, user?: string): Admission {
    const { sequence } = identity;
    const idBytes = utf8.encode(identity.clientId).length;
    if (idBytes === 0 || idBytes > clientIdBytesMax) {
      return refuse('InvalidArgument', `concord: client ID of ${idBytes} bytes (1 to 128)`);
    }
    const clientId = sessionName(identity.clientId, user);
    const key = utf8.encode(clientId);
    if (!Number.isSafeInteger(sequence) || sequence < 1) {
      return refuse('InvalidArgument', `concord: request sequence ${sequence} (must be >= 1)`);
    }
    const head = this.sessions.get(clientId);
    if (head === undefined) {
      if (sequence === 1) return { kind: 'apply' };
      return refuse(
        'SessionExpired',
        `concord: no session for client ${JSON.stringify(clientId)} (expired or never ` +
          `started); request ${sequence} was not applied now, but an earlier copy may have been`,
      );
    }
    if (sequence > head.sequence) return { kind: 'apply' };
    if (sequence < head.sequence) {
      return refuse(
        'StaleSequence',
        `concord: request ${sequence} of client ${JSON.stringify(clientId)} was applied ` +
          `before; only the result of request ${head.sequence} is kept`,
      );
    }
    const stored = reader.get('session', key);
    assert(stored !== undefined, () => `session ${clientId} in memory but not in the backend`);
    return readOutcome(stored, clientId);
  }

  /**
   * Records the outcome of an admitted request applied at `index`, evicting the least
   * recently active session if the table is over its bound. Call inside the apply transaction.
   */
  record(
    tx: BackendWrite,
    identity: RequestIdentity,
    index: number,
    outcome: SessionOutcome,
    user?: string,
  ) {
    const { sequence } = identity;
    const clientId = sessionName(identity.clientId, user);
    const previous = this.sessions.get(clientId);
    assert(
      previous === undefined || sequence > previous.sequence,
      'record of an unadmitted request',
    );
    assert(index > this.newestIndex, () => `session index ${index} after ${this.newestIndex}`);
    this.newestIndex = index;
    tx.put('session', utf8.encode(clientId), this.encode(sequence, index, outcome));
    this.sessions.delete(clientId);
    this.sessions.set(clientId, { sequence, lastIndex: index });
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.sessionsMax) break;
      tx.delete('session', utf8.encode(oldest));
      this.sessions.delete(oldest);
    }
  }

  /** Every session, least recently active first (for tests and status). */
  list(): SessionInfo[] {
    return [...this.sessions].map(([clientId, h]) => ({ clientId, ...h }));
  }

  private encode(sequence: number, index: number, outcome: SessionOutcome): Uint8Array {
    const w = new ByteWriter(64);
    w.u8(recordFormat);
    w.uvarint(sequence);
    w.uvarint(index);
    if (outcome.status === 'rejected') {
      w.u8(outcomes.rejected);
      w.uvarint(outcome.revision);
      w.string(outcome.error.code);
      w.string(outcome.error.message);
      return w.finish();
    }
    const headerBytes = w.length;
    w.u8(outcomes.applied);
    w.uvarint(outcome.revision);
    putResponse(w, outcome.response);
    const full = w.finish();
    if (full.length - headerBytes <= this.responseBytesMax) return full;
    const small = new ByteWriter(headerBytes + 10);
    small.raw(full.subarray(0, headerBytes));
    small.u8(outcomes.notKept);
    small.uvarint(outcome.revision);
    small.uvarint(full.length - headerBytes);
    return small.finish();
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The session's name: with auth on, a client ID is the user's own (user NUL clientId), so a
 * client ID someone else presents names another session: nobody reads another user's stored
 * answers (which may carry prev_kv values their permissions would not show) or advances their
 * sequence. Without a user (auth off, or the member's own requests) it is the client ID.
 * (User names are at most limits.authNameBytesMax = 1024 bytes: with the 128-byte client ID
 * the key stays far below LMDB's.)
 */
function sessionName(clientId: string, user: string | undefined): string {
  return user === undefined ? clientId : `${user}\u0000${clientId}`;
}

function decodeClientId(key: Uint8Array): string {
  try {
    return utf8Strict.decode(key);
  } catch {
    throw new ConcordError('Corrupt', `session bucket: a key of ${key.length} bytes is not UTF-8`);
  }
}

function refuse(code: ErrorCode, message: string): Admission {
  return { kind: 'refuse', error: new ConcordError(code, message) };
}

function readHead(r: ByteReader): SessionHead {
  const format = r.u8();
  if (format !== recordFormat) r.corrupt(`unknown format ${format}`);
  return { sequence: r.uvarint(), lastIndex: r.uvarint() };
}

function readOutcome(stored: Uint8Array, clientId: string): Admission {
  const r = new ByteReader(stored, `session ${JSON.stringify(clientId)}`);
  const { sequence } = readHead(r);
  const kind = r.u8();
  const revision = r.uvarint();
  switch (kind) {
    case outcomes.applied: {
      const response = getResponse(r);
      r.end();
      return { kind: 'duplicate', outcome: { status: 'applied', revision, response } };
    }
    case outcomes.rejected: {
      // The code was written from a ConcordError by record(); the server's table checks it.
      const code = r.string() as ErrorCode;
      const message = r.string();
      r.end();
      const error = new ConcordError(code, message);
      return { kind: 'duplicate', outcome: { status: 'rejected', revision, error } };
    }
    case outcomes.notKept: {
      const bytes = r.uvarint();
      r.end();
      return refuse(
        'StaleSequence',
        `concord: request ${sequence} of client ${JSON.stringify(clientId)} was applied at ` +
          `revision ${revision}; its response (${bytes} bytes) was too large to keep`,
      );
    }
    default:
      return r.corrupt(`unknown outcome ${kind}`);
  }
}
