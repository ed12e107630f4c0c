// Shared helpers for the MVCC tests: text <-> bytes, and a state machine driven like a node
// drives it (consecutive Raft indexes), with shorthands for each request type.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/mvcc/backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import {
  StateMachine,
  type ApplyResult,
  type StateMachineOptions,
} from '../../src/mvcc/state-machine.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  StateMachineRequest,
  StateMachineResponse,
  TxnRequest,
  TxnResponse,
} from '../../src/mvcc/types.js';

export const s = (text: string): Uint8Array => new TextEncoder().encode(text);
export const t = (bytes: Uint8Array | undefined): string =>
  bytes === undefined ? '<none>' : new TextDecoder().decode(bytes);

/** A KeyValue as a compact string: key=value@create/mod/version[+lease]. */
export function kvText(kv: KeyValue | undefined): string {
  if (kv === undefined) return '<none>';
  const lease = kv.lease === 0n ? '' : `+${kv.lease}`;
  return `${t(kv.key)}=${t(kv.value)}@${kv.createRevision}/${kv.modRevision}/${kv.version}${lease}`;
}

type Of<T extends StateMachineResponse['type']> = Extract<StateMachineResponse, { type: T }>;

export class Harness {
  readonly sm: StateMachine;
  index = 0;

  constructor(
    readonly backend: Backend = new MemoryBackend(),
    options: StateMachineOptions = {},
  ) {
    this.sm = new StateMachine(backend, options);
    this.index = this.sm.appliedIndex;
  }

  apply(request: StateMachineRequest): ApplyResult {
    return this.sm.apply(++this.index, 1, request);
  }

  ok<T extends StateMachineResponse['type']>(
    request: StateMachineRequest & { type: T },
  ): Of<T>['response'] & Rev {
    const result = this.apply(request);
    if (result.status !== 'applied') assert.fail(JSON.stringify(result, replacer));
    const response = result.response.response as Of<T>['response'];
    const rev: Rev = { revision: result.revision };
    return Object.assign({}, response, rev);
  }

  /** The error code of a request that must be rejected. */
  rejected(request: StateMachineRequest): string {
    const result = this.apply(request);
    if (result.status !== 'rejected') assert.fail(JSON.stringify(result, replacer));
    return result.error.code;
  }

  put(key: string, value: string, extra: Partial<PutRequest> = {}): PutResponse & Rev {
    return this.ok({ type: 'put', request: { key: s(key), value: s(value), ...extra } });
  }

  del(key: string, rangeEnd?: string, extra: Partial<DeleteRangeRequest> = {}) {
    const request: DeleteRangeRequest = {
      key: s(key),
      ...(rangeEnd === undefined ? {} : { rangeEnd: s(rangeEnd) }),
      ...extra,
    };
    return this.ok({ type: 'deleteRange', request }) as DeleteRangeResponse & Rev;
  }

  txn(request: TxnRequest): TxnResponse & Rev {
    return this.ok({ type: 'txn', request });
  }

  compact(revision: number): void {
    this.ok({ type: 'compaction', request: { revision } });
  }

  grant(id: bigint, ttl: number) {
    return this.ok({ type: 'leaseGrant', request: { id, ttl } });
  }

  revoke(id: bigint) {
    return this.ok({ type: 'leaseRevoke', request: { id } });
  }

  /** Keys (as text) of a range read. */
  keys(key: string, rangeEnd?: string): string[] {
    const r = this.sm.range({
      key: s(key),
      ...(rangeEnd === undefined ? {} : { rangeEnd: s(rangeEnd) }),
    });
    return r.kvs.map((kv) => t(kv.key));
  }

  get(key: string, revision = 0): KeyValue | undefined {
    return this.sm.range({ key: s(key), revision }).kvs[0];
  }
}

interface Rev {
  revision: number;
}

export function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return t(value);
  return value;
}
