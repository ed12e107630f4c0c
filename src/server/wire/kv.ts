/** KV service messages (etcdserverpb.RangeRequest ... CompactionResponse). See ./common.ts. */
import type { Int64Text, WireEnum, WireKeyValue, WireResponseHeader } from './common.js';

export interface RangeRequestIn {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly limit: Int64Text;
  readonly revision: Int64Text;
  readonly sortOrder: WireEnum<'NONE' | 'ASCEND' | 'DESCEND'>;
  readonly sortTarget: WireEnum<'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE'>;
  readonly serializable: boolean;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  readonly minModRevision: Int64Text;
  readonly maxModRevision: Int64Text;
  readonly minCreateRevision: Int64Text;
  readonly maxCreateRevision: Int64Text;
}

export interface RangeResponseOut {
  readonly header: WireResponseHeader;
  readonly kvs: readonly WireKeyValue[];
  readonly more: boolean;
  readonly count: Int64Text;
}

export interface PutRequestIn {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly lease: Int64Text;
  readonly prevKv: boolean;
  readonly ignoreValue: boolean;
  readonly ignoreLease: boolean;
}

export interface PutResponseOut {
  readonly header: WireResponseHeader;
  readonly prevKv?: WireKeyValue;
}

export interface DeleteRangeRequestIn {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly prevKv: boolean;
}

export interface DeleteRangeResponseOut {
  readonly header: WireResponseHeader;
  readonly deleted: Int64Text;
  readonly prevKvs: readonly WireKeyValue[];
}

/** A oneof: exactly the member named by `request` is present (none for an empty op). */
export interface RequestOpIn {
  readonly request?: 'requestRange' | 'requestPut' | 'requestDeleteRange' | 'requestTxn';
  readonly requestRange?: RangeRequestIn;
  readonly requestPut?: PutRequestIn;
  readonly requestDeleteRange?: DeleteRangeRequestIn;
  readonly requestTxn?: TxnRequestIn;
}

export type ResponseOpOut =
  | { readonly responseRange: RangeResponseOut }
  | { readonly responsePut: PutResponseOut }
  | { readonly responseDeleteRange: DeleteRangeResponseOut }
  | { readonly responseTxn: TxnResponseOut };

export interface CompareIn {
  readonly result: WireEnum<'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'>;
  readonly target: WireEnum<'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE'>;
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  /** Names the oneof member present, if any. */
  readonly targetUnion?: 'version' | 'createRevision' | 'modRevision' | 'value' | 'lease';
  readonly version?: Int64Text;
  readonly createRevision?: Int64Text;
  readonly modRevision?: Int64Text;
  readonly value?: Buffer;
  readonly lease?: Int64Text;
}

export interface TxnRequestIn {
  readonly compare: readonly CompareIn[];
  readonly success: readonly RequestOpIn[];
  readonly failure: readonly RequestOpIn[];
}

export interface TxnResponseOut {
  readonly header: WireResponseHeader;
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOpOut[];
}

export interface CompactionRequestIn {
  readonly revision: Int64Text;
  readonly physical: boolean;
}

export interface CompactionResponseOut {
  readonly header: WireResponseHeader;
}
