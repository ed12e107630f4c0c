import { ConcordError } from '../base/errors.js';
import { failpoint } from '../base/failpoints.js';
import type { StateMachine, ApplyEntry, ApplyResult } from '../mvcc/state-machine.js';
import { decodeRequest } from '../mvcc/request-codec.js';
import type { StateMachineRequest, StateMachineResponse } from '../mvcc/types.js';
import { decodeConfChange } from '../raft/confchange-codec.js';
import type { RawNode } from '../raft/raw-node.js';
import type { ConfChange, Entry } from '../raft/types.js';
import type { AppliedWait } from './applied-wait.js';
import { decodeMemberContext } from './bootstrap.js';
import type { Waiters } from './waiters.js';

/** What a proposer waits for: the store's revision after its request, and the response. */
export interface Applied {
  readonly revision: number;
  readonly response: StateMachineResponse;
}

export interface MemberInfo {
  readonly id: bigint;
  readonly name: string;
  readonly peerUrls: readonly string[];
  /** Published by the member itself once it runs (empty until then). */
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** Observers of applied requests that keep non-replicated state (the leader's lease clock). */
export interface ApplyObserver {
  applied(request: StateMachineRequest, result: ApplyResult): void;
  confChanged(change: ConfChange): void;
  /** A retried request the at-most-once session table answered without applying it again. */
  duplicated?(): void;
}

/** A KV request to apply, with the proposer's request ID to wake its waiter. */
type BatchEntry = { -readonly [K in keyof ApplyEntry]: ApplyEntry[K] } & { readonly id: bigint };

/**
 * Applies committed entries in order: KV requests in one backend transaction per run of them,
 * membership changes to Raft and the member list, and no-ops by moving the applied index.
 * Wakes the proposer's waiter with the outcome; every member applies identically, only the
 * proposer has a waiter.
 */
export class Applier {
  readonly members = new Map<bigint, MemberInfo>();
  /**
   * Members removed (and not added back since): their peer connections are refused, so one
   * that was down when it was removed learns so when it comes back (etcd's removed list).
   */
  readonly removed = new Set<bigint>();

  constructor(
    private readonly stateMachine: StateMachine,
    private readonly raw: () => RawNode,
    private readonly waiters: Waiters<Applied>,
    private readonly appliedWait: AppliedWait,
    private readonly observer: ApplyObserver,
  ) {}

  apply(entries: readonly Entry[]): void {
    if (entries.length > 0) failpoint('beforeApply');
    let batch: BatchEntry[] = [];
    for (const entry of entries) {
      if (entry.type === 'ConfChange') {
        batch = this.applyBatch(batch);
        this.applyConfChange(entry);
      } else if (entry.data.length === 0) {
        batch = this.applyBatch(batch);
        this.stateMachine.applyNoop(entry.index, entry.term);
      } else {
        const envelope = decodeRequest(entry.data);
        // Built by assignment, not spreads: one per applied entry on every member.
        const applying: BatchEntry = {
          index: entry.index,
          term: entry.term,
          request: envelope.request,
          id: envelope.id,
        };
        if (envelope.identity !== undefined) applying.identity = envelope.identity;
        if (envelope.auth !== undefined) applying.auth = envelope.auth;
        batch.push(applying);
      }
    }
    this.applyBatch(batch);
    if (entries.length > 0) failpoint('afterApply');
    const last = entries[entries.length - 1];
    if (last !== undefined) this.appliedWait.trigger(last.index);
  }

  /** Applies a run of KV requests in one backend transaction; returns an empty run. */
  private applyBatch(batch: BatchEntry[]): BatchEntry[] {
    if (batch.length === 0) return batch;
    const results = this.stateMachine.applyBatch(batch);
    for (let i = 0; i < batch.length; i++) this.settle(batch[i]!, results[i]!);
    return [];
  }

  private settle(entry: BatchEntry, result: ApplyResult): void {
    if (result.status === 'skipped') return;
    // A duplicate (at-most-once) changed nothing: only its proposer hears the first outcome.
    if (!result.duplicate) this.observer.applied(entry.request, result);
    else this.observer.duplicated?.();
    if (result.status === 'applied') {
      this.waiters.resolve(entry.id, { revision: result.revision, response: result.response });
    } else {
      this.waiters.reject(entry.id, result.error);
    }
  }

  private applyConfChange(entry: Entry): void {
    let change: ConfChange;
    try {
      change = decodeConfChange(entry.data);
    } catch (error) {
      // Every member decodes the same bytes the same way, so skipping is consistent.
      if (!(error instanceof ConcordError)) throw error;
      this.stateMachine.applyNoop(entry.index, entry.term);
      return;
    }
    // Replayed conf changes (below the applied index) still rebuild Raft's configuration.
    try {
      this.raw().applyConfChange(change);
    } catch (error) {
      // E.g. removing the last voter: refused identically on every member.
      if (!(error instanceof ConcordError)) throw error;
      this.stateMachine.applyNoop(entry.index, entry.term);
      return;
    }
    const info = decodeMemberContext(change.context);
    const known = this.members.get(change.nodeId);
    if (change.type === 'RemoveNode') {
      this.members.delete(change.nodeId);
      this.removed.add(change.nodeId);
    } else if (change.type !== 'UpdateNode' || known !== undefined) {
      this.members.set(change.nodeId, {
        id: change.nodeId,
        name: info.name ?? known?.name ?? '',
        peerUrls: info.peerUrls ?? known?.peerUrls ?? [],
        clientUrls: info.clientUrls ?? known?.clientUrls ?? [],
        isLearner:
          change.type === 'AddLearnerNode' ||
          (change.type === 'UpdateNode' && (known?.isLearner ?? false)),
      });
      // IDs come from peer URLs (ids.ts), so a member added back at its old URLs has its old ID.
      if (change.type !== 'UpdateNode') this.removed.delete(change.nodeId);
    }
    this.stateMachine.applyNoop(entry.index, entry.term);
    this.observer.confChanged(change);
  }
}
