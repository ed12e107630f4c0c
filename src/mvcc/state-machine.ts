/**
 * The key-value state machine: etcd's mvcc store, lessor and watchable store behind one
 * deterministic entry point for everything that went through Raft.
 *
 * apply(index, term, request) and applyBatch(entries):
 * - An entry at or below the stored consistent index is skipped: after a restart the WAL is
 *   replayed from wherever the backend's index is, and nothing applies twice.
 * - Each batch is ONE backend transaction holding the data changes AND the new consistent
 *   index and term (the lesson of etcd 3.5's data-inconsistency postmortem: an index stored
 *   apart from its data lets a crash re-apply or skip entries).
 * - A request that fails a state-dependent check (unknown lease, ignoreValue on a missing
 *   key, duplicate keys, compacted or future revision) writes nothing but the consistent
 *   index, and comes back as a `rejected` result the driver hands to the client: not an
 *   exception, since every member rejects it identically.
 * - A request with an identity {clientId, sequence} is applied at most once: a duplicate
 *   applies nothing and returns the first copy's result (`duplicate: true`). The session
 *   table that remembers it is written in the same transaction (rules: session-table.ts).
 * - While an alarm is active, writes are refused as etcd refuses them: NOSPACE refuses
 *   whatever adds data (Put, a Txn with a Put, LeaseGrant) with `NoSpace`; CORRUPT refuses
 *   every change but alarms and lease checkpoints with `Corrupt`. Alarms change only through
 *   `alarm` requests, so every member refuses the same entries.
 * - Watchers hear about each revision after the transaction committed.
 *
 * Nothing here reads a clock, a timer or a random source: the same entries give the same
 * bytes on every member. The driver also calls compactStep() and syncWatchers() to do
 * bounded background work, and sync() on the backend at its durability points.
 */
import { assert, assertSafeInteger, unreachable } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import { AlarmStore } from './alarm-store.js';
import { AuthStore, type AuthStoreView } from './auth/auth-store.js';
import { requestRefusal } from './auth/request-auth.js';
import type { AuthInfo } from './auth/types.js';
import type { Backend, BackendWrite } from './backend.js';
import { restoreBackend, snapshotBackend } from './backend-snapshot.js';
import { checkCompaction, Compactor } from './compaction.js';
import { hashBackend, hashKv, type HashKvResult, type HashResult } from './hash.js';
import { keyRange } from './key-range.js';
import { KvStore } from './kv-store.js';
import { Lessor, type LeaseTimeToLive } from './lessor.js';
import { readMeta, writeMeta } from './meta.js';
import { checkPut, executeDeleteRange, executePut, leaseNotFoundMessage } from './ops.js';
import { executeRange } from './range.js';
import {
  SessionTable,
  type SessionInfo,
  type SessionOutcome,
  type SessionTableOptions,
} from './session-table.js';
import { checkTxn, executeTxn, TxnPath } from './txn.js';
import type {
  AlarmMember,
  AlarmRequest,
  AlarmResponse,
  AlarmType,
  Event,
  Lease,
  RangeRequest,
  RangeResponse,
  RequestIdentity,
  StateMachineRequest,
  StateMachineResponse,
  TxnRequest,
  TxnResponse,
} from './types.js';
import { validateTxn } from './validate-txn.js';
import { WatchHub, type WatchHubOptions } from './watch-hub.js';
import { WriteTxn } from './write-txn.js';

export interface ApplyEntry {
  readonly index: number;
  readonly term: number;
  readonly request: StateMachineRequest;
  /** The envelope's identity, if the client sent one: the request is applied at most once. */
  readonly identity?: RequestIdentity;
  /** Who the request speaks for (its envelope's auth info); absent: the member's own. */
  readonly auth?: AuthInfo;
}

export type ApplyResult =
  /**
   * Applied; `revision` is the store's revision after it (the response header's). With
   * `duplicate`, an earlier copy of the request was applied and this is its result: nothing
   * was applied now (observers must not count it twice).
   */
  | {
      readonly status: 'applied';
      readonly revision: number;
      readonly response: StateMachineResponse;
      readonly duplicate?: true;
    }
  /**
   * Refused by a state check, an active alarm or the session rules; nothing but the
   * consistent index (and, for a request with an identity, its session) was written. With
   * `duplicate`, this is the refusal an earlier copy of the request got.
   */
  | {
      readonly status: 'rejected';
      readonly revision: number;
      readonly error: ConcordError;
      readonly duplicate?: true;
    }
  /** At or below the consistent index: applied before this restart. */
  | { readonly status: 'skipped' };

export interface StateMachineOptions extends WatchHubOptions, SessionTableOptions {
  /** etcd's minimum lease TTL (see minLeaseTtlSeconds in lessor.ts); default 1. */
  readonly minLeaseTtlSeconds?: number;
}

export class StateMachine {
  private kv!: KvStore;
  private lessor!: Lessor;
  private compactor!: Compactor;
  private alarmStore!: AlarmStore;
  private authStore!: AuthStore;
  private sessions!: SessionTable;
  readonly watches: WatchHub;
  // Invariant: the index and term of the last entry whose effects the backend holds.
  private consistentIndex = 0;
  private consistentTerm = 0;
  // Set when a backend write failed after memory changed: the member must restart.
  private failure: unknown;

  constructor(
    readonly backend: Backend,
    private readonly options: StateMachineOptions = {},
  ) {
    this.load();
    this.watches = new WatchHub(this.kv, options);
  }

  get appliedIndex(): number {
    return this.consistentIndex;
  }

  get appliedTerm(): number {
    return this.consistentTerm;
  }

  get currentRevision(): number {
    return this.kv.currentRevision;
  }

  get compactRevision(): number {
    return this.kv.compactRevision;
  }

  /** The last revision whose physical compaction finished (for Compact with physical). */
  get finishedCompactRevision(): number {
    return this.compactor.finishedRevision;
  }

  /** Applies one committed entry (with the identity its envelope carried, if any). */
  apply(
    index: number,
    term: number,
    request: StateMachineRequest,
    identity?: RequestIdentity,
    auth?: AuthInfo,
  ): ApplyResult {
    const entry: ApplyEntry = {
      index,
      term,
      request,
      ...(identity !== undefined ? { identity } : {}),
      ...(auth !== undefined ? { auth } : {}),
    };
    return this.applyBatch([entry])[0]!;
  }

  /** Applies committed entries, in index order, in one backend transaction. */
  applyBatch(entries: readonly ApplyEntry[]): ApplyResult[] {
    this.assertHealthy();
    const results: ApplyResult[] = [];
    const revisions: { revision: number; events: Event[] }[] = [];
    this.guard(() =>
      this.backend.write((tx) => {
        for (const entry of entries) {
          assertSafeInteger(entry.index, 'entry index');
          if (entry.index <= this.consistentIndex) {
            results.push({ status: 'skipped' });
            continue;
          }
          results.push(this.applyEntry(tx, entry, revisions));
          this.consistentIndex = entry.index;
          this.consistentTerm = entry.term;
        }
        writeMeta(tx, 'consistentIndex', this.consistentIndex);
        writeMeta(tx, 'term', this.consistentTerm);
      }),
    );
    for (const { revision, events } of revisions) this.watches.notify(revision, events);
    return results;
  }

  /**
   * Moves the consistent index over an entry that carries no KV request (an empty entry
   * after an election, a membership change), so a replay does not revisit it.
   */
  applyNoop(index: number, term: number): void {
    this.assertHealthy();
    if (index <= this.consistentIndex) return;
    this.guard(() =>
      this.backend.write((tx) => {
        this.consistentIndex = index;
        this.consistentTerm = term;
        writeMeta(tx, 'consistentIndex', index);
        writeMeta(tx, 'term', term);
      }),
    );
  }

  /** A read at the current revision (or an older one); throws RevisionCompacted/FutureRevision. */
  range(req: RangeRequest): RangeResponse {
    this.assertHealthy();
    return executeRange(this.kv, this.kv.view(), req);
  }

  /** A txn with no writes (only Range ops, nested included), served without Raft. */
  readTxn(req: TxnRequest): TxnResponse {
    this.assertHealthy();
    assert(isReadOnlyTxn(req), 'readTxn with writes');
    const view = this.kv.view();
    const path = TxnPath.evaluate(this.kv, view, req);
    const error = checkTxn(this.kv, this.lessor, view, req, path);
    if (error !== undefined) throw error;
    // A read-only txn never writes, so a WriteTxn over a read-only facade is never asked to.
    const wt = new WriteTxn(this.kv, this.lessor, readOnly(this.backend));
    return executeTxn(this.kv, wt, req, path.rewind());
  }

  /** etcd's HashKV: the key-value history up to `revision` (0: now); see hash.ts. */
  hashKv(revision = 0): HashKvResult {
    this.assertHealthy();
    return hashKv(this.kv, revision);
  }

  /**
   * etcd's Maintenance.Hash: every bucket of the backend (see hash.ts for exactly what), at
   * the current revision. Equal on members with the same applied state and compaction progress.
   */
  hash(): HashResult {
    this.assertHealthy();
    return hashBackend(this.backend, this.kv.currentRevision);
  }

  /** The active alarms of `type` ('NONE': all), by member ID then type, as applied here. */
  alarms(type: AlarmType | 'NONE' = 'NONE'): AlarmMember[] {
    return this.alarmStore.get(type);
  }

  /** The replicated auth state (users, roles, enabled, revision), as applied here. */
  get auth(): AuthStoreView {
    return this.authStore;
  }

  /** The at-most-once sessions, least recently active first. */
  sessionList(): SessionInfo[] {
    return this.sessions.list();
  }

  /** Deletes up to `limit` compacted revisions; true when compaction is fully done. */
  compactStep(limit: number): boolean {
    this.assertHealthy();
    return this.guard(() => this.compactor.step(limit));
  }

  /** One bounded round of watch catch-up; returns the watchers still behind. */
  syncWatchers(limit: number): number {
    return this.watches.syncWatchers(limit);
  }

  leases(): Lease[] {
    return this.lessor.list();
  }

  /** How many leases exist, in O(1) (LeaseGrant checks --max-leases with it). */
  leaseCount(): number {
    return this.lessor.size;
  }

  timeToLive(id: bigint): LeaseTimeToLive | undefined {
    return this.lessor.timeToLive(id);
  }

  /** A lease's TTLs without its keys (what a keep-alive needs), or undefined. */
  lease(id: bigint): Lease | undefined {
    return this.lessor.get(id);
  }

  get minLeaseTtlSeconds(): number {
    return this.lessor.minTtlSeconds;
  }

  /** The whole state as bytes, for a Raft snapshot at `appliedIndex`. */
  snapshot(): Uint8Array {
    return snapshotBackend(this.backend);
  }

  /** Replaces the whole state with a snapshot's; watchers catch up from the new state. */
  restoreSnapshot(bytes: Uint8Array): void {
    this.assertHealthy();
    restoreBackend(this.backend, bytes);
    this.load();
    this.watches.restore(this.kv);
  }

  private load(): void {
    this.lessor = new Lessor(this.options.minLeaseTtlSeconds);
    this.lessor.restore(this.backend);
    this.alarmStore = new AlarmStore();
    this.alarmStore.restore(this.backend);
    this.authStore = new AuthStore();
    this.authStore.restore(this.backend);
    this.sessions = new SessionTable(this.options);
    this.sessions.restore(this.backend);
    this.kv = new KvStore(this.backend, this.lessor);
    const { pendingCompaction } = this.kv.restore();
    this.compactor = new Compactor(this.backend);
    const finished = readMeta(this.backend, 'finishedCompactRevision');
    if (pendingCompaction !== undefined) {
      this.compactor.resume(pendingCompaction.revision, pendingCompaction.keep, finished);
    } else this.compactor.setFinished(finished);
    this.consistentIndex = readMeta(this.backend, 'consistentIndex');
    this.consistentTerm = readMeta(this.backend, 'term');
  }

  private applyEntry(
    tx: BackendWrite,
    entry: ApplyEntry,
    revisions: { revision: number; events: Event[] }[],
  ): ApplyResult {
    if (entry.identity === undefined) {
      return this.applyOne(tx, entry.request, revisions, entry.auth);
    }
    const user = entry.auth?.username;
    const admission = this.sessions.admit(tx, entry.identity, user);
    switch (admission.kind) {
      case 'refuse':
        return { status: 'rejected', revision: this.kv.currentRevision, error: admission.error };
      case 'duplicate':
        return { ...admission.outcome, duplicate: true };
      case 'apply': {
        const result = this.applyOne(tx, entry.request, revisions, entry.auth);
        this.sessions.record(tx, entry.identity, entry.index, result, user);
        return result;
      }
      default:
        return unreachable(admission, 'admission');
    }
  }

  private applyOne(
    tx: BackendWrite,
    request: StateMachineRequest,
    revisions: { revision: number; events: Event[] }[],
    auth?: AuthInfo,
  ): SessionOutcome {
    const error =
      this.alarmRefusal(request) ?? this.authRefusal(request, auth) ?? this.check(tx, request);
    if (error !== undefined) {
      return { status: 'rejected', revision: this.kv.currentRevision, error };
    }
    if (request.type === 'auth') {
      // Auth changes write only the auth bucket: no revision, no events.
      const outcome = this.authStore.apply(tx, request.request);
      return outcome instanceof ConcordError
        ? { status: 'rejected', revision: this.kv.currentRevision, error: outcome }
        : {
            status: 'applied',
            revision: this.kv.currentRevision,
            response: { type: 'auth', response: outcome },
          };
    }
    const wt = new WriteTxn(this.kv, this.lessor, tx);
    const response = this.execute(tx, wt, request);
    const events = wt.end();
    if (events.length > 0) revisions.push({ revision: this.kv.currentRevision, events });
    return { status: 'applied', revision: this.kv.currentRevision, response };
  }

  /** etcd's capped (NOSPACE) and corrupt appliers: which requests an active alarm refuses. */
  private alarmRefusal(request: StateMachineRequest): ConcordError | undefined {
    if (request.type === 'alarm' || request.type === 'leaseCheckpoint') return undefined;
    if (this.alarmStore.active('CORRUPT')) {
      return new ConcordError('Corrupt', 'etcdserver: corrupt cluster');
    }
    if (!this.alarmStore.active('NOSPACE')) return undefined;
    const adds =
      request.type === 'put' ||
      request.type === 'leaseGrant' ||
      (request.type === 'txn' && txnHasPut(request.request));
    return adds
      ? new ConcordError('NoSpace', 'etcdserver: mvcc: database space exceeded')
      : undefined;
  }

  /**
   * etcd's authApplierV3: a client's request is checked again at apply against the auth
   * state every member has here, with the user and auth revision it was checked at.
   */
  private authRefusal(request: StateMachineRequest, auth?: AuthInfo): ConcordError | undefined {
    if (auth === undefined) return undefined;
    return requestRefusal(this.authStore, auth, request, this.leaseKeys);
  }

  // Made once: a closure made per request cost more than the check (under tsx, each named
  // closure is also renamed by a defineProperty call).
  private readonly leaseKeys = (id: bigint): Uint8Array[] =>
    this.lessor.has(id) ? this.lessor.keysOf(id) : [];

  /** State-dependent checks, before anything is written. */
  private check(tx: BackendWrite, request: StateMachineRequest): ConcordError | undefined {
    const view = { ...this.kv.view(), reader: tx };
    switch (request.type) {
      case 'put':
        return checkPut(this.kv, this.lessor, view, request.request);
      case 'deleteRange':
      case 'leaseCheckpoint':
      case 'alarm':
      case 'auth':
        return undefined;
      case 'txn': {
        const duplicate = validateTxn(request.request);
        if (duplicate !== undefined) return duplicate;
        const path = TxnPath.evaluate(this.kv, view, request.request);
        return checkTxn(this.kv, this.lessor, view, request.request, path);
      }
      case 'compaction':
        return checkCompaction(this.kv, request.request.revision);
      case 'leaseGrant':
        return this.lessor.checkGrant(request.request.id, request.request.ttl);
      case 'leaseRevoke':
        return this.lessor.has(request.request.id)
          ? undefined
          : new ConcordError('LeaseNotFound', leaseNotFoundMessage);
      default:
        return unreachable(request, 'state machine request');
    }
  }

  private execute(
    tx: BackendWrite,
    wt: WriteTxn,
    request: StateMachineRequest,
  ): StateMachineResponse {
    switch (request.type) {
      case 'put':
        return { type: 'put', response: executePut(this.kv, wt, request.request) };
      case 'deleteRange':
        return {
          type: 'deleteRange',
          response: executeDeleteRange(this.kv, wt, request.request),
        };
      case 'txn': {
        // The compares see the state before the txn, as checked; evaluate them again here.
        const path = TxnPath.evaluate(this.kv, wt.view(), request.request);
        return { type: 'txn', response: executeTxn(this.kv, wt, request.request, path) };
      }
      case 'compaction':
        this.compactor.compact(this.kv, tx, request.request.revision);
        return { type: 'compaction', response: {} };
      case 'leaseGrant': {
        const lease = this.lessor.grant(tx, request.request.id, request.request.ttl);
        return { type: 'leaseGrant', response: { id: lease.id, ttl: lease.ttl } };
      }
      case 'leaseRevoke': {
        // Every attached key goes in this one revision, in key order.
        for (const key of this.lessor.keysOf(request.request.id)) wt.deleteRange(keyRange(key));
        this.lessor.remove(tx, request.request.id);
        return { type: 'leaseRevoke', response: {} };
      }
      case 'leaseCheckpoint':
        for (const { id, remainingTtl } of request.request.checkpoints) {
          this.lessor.checkpoint(tx, id, remainingTtl);
        }
        return { type: 'leaseCheckpoint', response: {} };
      case 'alarm':
        return { type: 'alarm', response: this.executeAlarm(tx, request.request) };
      case 'auth':
        // Applied in applyOne, before a write txn exists.
        throw new ConcordError('InvalidArgument', 'auth request reached execute');
      default:
        return unreachable(request, 'state machine request');
    }
  }

  /** etcd's applierV3backend.Alarm. */
  private executeAlarm(tx: BackendWrite, request: AlarmRequest): AlarmResponse {
    const { action, memberId, alarm } = request;
    switch (action) {
      case 'GET':
        return { alarms: this.alarmStore.get(alarm) };
      case 'ACTIVATE':
        return { alarms: alarm === 'NONE' ? [] : [this.alarmStore.activate(tx, memberId, alarm)] };
      case 'DEACTIVATE': {
        const cleared =
          alarm === 'NONE' ? undefined : this.alarmStore.deactivate(tx, memberId, alarm);
        return { alarms: cleared === undefined ? [] : [cleared] };
      }
      default:
        return unreachable(action, 'alarm action');
    }
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      // Memory (index, revisions, leases) may be ahead of a backend that rolled back.
      this.failure = error;
      throw error;
    }
  }

  private assertHealthy(): void {
    assert(
      this.failure === undefined,
      () => `state machine unusable after a failed backend write: ${String(this.failure)}`,
    );
  }
}

/** True when the txn (and every nested txn, on both branches) only reads. */
export function isReadOnlyTxn(txn: TxnRequest): boolean {
  const ops = [...txn.success, ...txn.failure];
  return ops.every(
    (op) => 'requestRange' in op || ('requestTxn' in op && isReadOnlyTxn(op.requestTxn)),
  );
}

/** True when the txn (or a nested one, on either branch) may put: etcd's quota cost > 0. */
function txnHasPut(txn: TxnRequest): boolean {
  const ops = [...txn.success, ...txn.failure];
  return ops.some((op) => 'requestPut' in op || ('requestTxn' in op && txnHasPut(op.requestTxn)));
}

function readOnly(backend: Backend): BackendWrite {
  return {
    get: (bucket, key) => backend.get(bucket, key),
    scan: (bucket, range, visit) => backend.scan(bucket, range, visit),
    put: () => assert(false, 'write through a read-only txn'),
    delete: () => assert(false, 'write through a read-only txn'),
  };
}
