/**
 * The key-value state machine's requests and results, in etcd v3's terms (etcdserverpb and
 * mvccpb, camelCased). Keys and values are bytes; revisions are numbers (exact to 2^53,
 * asserted); lease IDs are bigints (64-bit on the wire). The server converts between these
 * and the gRPC messages; the node encodes write requests into Raft entries.
 */

import type { AuthRequest, AuthResponse } from './auth/types.js';

/** A key's state at one revision (mvccpb.KeyValue). */
export interface KeyValue {
  readonly key: Uint8Array;
  /** The revision of the last creation of this key (0 in a keys-only/deleted view: never). */
  readonly createRevision: number;
  /** The revision of the last modification. */
  readonly modRevision: number;
  /** Modifications since creation: 1 after create; reset by delete. */
  readonly version: number;
  readonly value: Uint8Array;
  /** The lease attached, or 0n. */
  readonly lease: bigint;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  readonly key: Uint8Array;
  /**
   * Empty: just `key`. `[0]` ("\0"): every key >= `key`. Otherwise the half-open range
   * [key, rangeEnd). A prefix `p` is [p, p with its last byte incremented).
   */
  readonly rangeEnd?: Uint8Array;
  /** At most this many keys; 0 means no limit. `more` says whether keys were left out. */
  readonly limit?: number;
  /** Read at this revision; 0 or absent means the current one. */
  readonly revision?: number;
  readonly sortOrder?: SortOrder;
  readonly sortTarget?: SortTarget;
  /** Served from the local member without a ReadIndex round (may be stale). */
  readonly serializable?: boolean;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  /** Filters; 0 means no filter. */
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface RangeResponse {
  readonly kvs: readonly KeyValue[];
  readonly more: boolean;
  /** Keys in the range (before `limit`). */
  readonly count: number;
}

export interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly lease?: bigint;
  readonly prevKv?: boolean;
  /** Keep the current value (error KeyNotFound if the key does not exist). */
  readonly ignoreValue?: boolean;
  /** Keep the current lease (error KeyNotFound if the key does not exist). */
  readonly ignoreLease?: boolean;
}

export interface PutResponse {
  readonly prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  readonly prevKv?: boolean;
}

export interface DeleteRangeResponse {
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/** One Txn guard. With `rangeEnd`, it must hold for every key in the range. */
export interface Compare {
  readonly result: CompareResult;
  readonly target: CompareTarget;
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  /** The operand, by target: version, createRevision, modRevision, value or lease. */
  readonly version?: number;
  readonly createRevision?: number;
  readonly modRevision?: number;
  readonly value?: Uint8Array;
  readonly lease?: bigint;
}

export type RequestOp =
  | { readonly requestRange: RangeRequest }
  | { readonly requestPut: PutRequest }
  | { readonly requestDeleteRange: DeleteRangeRequest }
  | { readonly requestTxn: TxnRequest };

export type ResponseOp =
  | { readonly responseRange: RangeResponse }
  | { readonly responsePut: PutResponse }
  | { readonly responseDeleteRange: DeleteRangeResponse }
  | { readonly responseTxn: TxnResponse };

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

export interface TxnResponse {
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOp[];
}

export interface CompactionRequest {
  readonly revision: number;
  /** Answer only once the compaction is physically done (etcd: `physical`). */
  readonly physical?: boolean;
}

export type EventType = 'PUT' | 'DELETE';

/** One change, as watchers see it (mvccpb.Event). */
export interface Event {
  readonly type: EventType;
  /** For DELETE: the key with modRevision = the deletion's revision, other fields empty. */
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
}

export interface Lease {
  readonly id: bigint;
  /** Granted TTL in seconds. */
  readonly ttl: number;
  /** Remaining TTL in seconds as last checkpointed through Raft (survives leader change). */
  readonly remainingTtl: number;
}

/** Carries nothing beyond the header revision. */
export type CompactionResponse = Record<string, never>;

export interface LeaseGrantRequest {
  /** Chosen by the client, or by the proposing member (so apply stays deterministic); never 0. */
  readonly id: bigint;
  /** Requested TTL in seconds (raised to the minimum lease TTL; at most 9,000,000,000). */
  readonly ttl: number;
}

export interface LeaseGrantResponse {
  readonly id: bigint;
  /** The TTL granted, in seconds. */
  readonly ttl: number;
}

export interface LeaseRevokeRequest {
  readonly id: bigint;
}

/** Carries nothing beyond the header revision. */
export type LeaseRevokeResponse = Record<string, never>;

export interface LeaseCheckpoint {
  readonly id: bigint;
  /** Seconds left, as the leader's timer saw it. */
  readonly remainingTtl: number;
}

export interface LeaseCheckpointRequest {
  readonly checkpoints: readonly LeaseCheckpoint[];
}

/** Carries nothing beyond the header revision. */
export type LeaseCheckpointResponse = Record<string, never>;

/** etcd's AlarmType, without NONE (which is only a wildcard in requests). */
export type AlarmType = 'NOSPACE' | 'CORRUPT';

/** One raised alarm (etcdserverpb.AlarmMember). */
export interface AlarmMember {
  readonly memberId: bigint;
  readonly alarm: AlarmType;
}

/**
 * etcdserverpb.AlarmRequest. GET: the active alarms of type `alarm` ('NONE': all).
 * ACTIVATE: raises `alarm` for `memberId` ('NONE': does nothing). DEACTIVATE: clears it.
 */
export interface AlarmRequest {
  readonly action: 'GET' | 'ACTIVATE' | 'DEACTIVATE';
  /** The member raising or clearing the alarm; ignored by GET. */
  readonly memberId: bigint;
  readonly alarm: AlarmType | 'NONE';
}

/**
 * GET: the matching alarms. ACTIVATE: the alarm (also when it was already active), or none
 * for 'NONE'. DEACTIVATE: the alarm cleared, or none when it was not active (etcd's rules).
 */
export interface AlarmResponse {
  readonly alarms: readonly AlarmMember[];
}

/**
 * Who sent a request, for at-most-once application of retries (DESIGN.md promise 6; Raft
 * dissertation 6.3). The rules are in session-table.ts.
 */
export interface RequestIdentity {
  /** Chosen by the client, unique per session: 1 to 128 bytes of UTF-8. */
  readonly clientId: string;
  /** The client's request number in the session: starts at 1, grows with each new request. */
  readonly sequence: number;
}

/** Everything that changes the key-value state machine; it goes through Raft, then apply. */
export type StateMachineRequest =
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest }
  | { readonly type: 'compaction'; readonly request: CompactionRequest }
  | { readonly type: 'leaseGrant'; readonly request: LeaseGrantRequest }
  | { readonly type: 'leaseRevoke'; readonly request: LeaseRevokeRequest }
  | { readonly type: 'leaseCheckpoint'; readonly request: LeaseCheckpointRequest }
  | { readonly type: 'alarm'; readonly request: AlarmRequest }
  | { readonly type: 'auth'; readonly request: AuthRequest };

export type StateMachineResponse =
  | { readonly type: 'put'; readonly response: PutResponse }
  | { readonly type: 'deleteRange'; readonly response: DeleteRangeResponse }
  | { readonly type: 'txn'; readonly response: TxnResponse }
  | { readonly type: 'compaction'; readonly response: CompactionResponse }
  | { readonly type: 'leaseGrant'; readonly response: LeaseGrantResponse }
  | { readonly type: 'leaseRevoke'; readonly response: LeaseRevokeResponse }
  | { readonly type: 'leaseCheckpoint'; readonly response: LeaseCheckpointResponse }
  | { readonly type: 'alarm'; readonly response: AlarmResponse }
  | { readonly type: 'auth'; readonly response: AuthResponse };
