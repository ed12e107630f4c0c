/** Watch service messages (etcdserverpb.WatchRequest, WatchResponse). See ./common.ts. */
import type { Int64Text, WireEnum, WireEvent, WireResponseHeader } from './common.js';

export interface WatchCreateRequestIn {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly startRevision: Int64Text;
  readonly progressNotify: boolean;
  readonly filters: readonly WireEnum<'NOPUT' | 'NODELETE'>[];
  readonly prevKv: boolean;
  readonly watchId: Int64Text;
  readonly fragment: boolean;
}

/** A oneof: `requestUnion` names the member present (none for an empty request). */
export interface WatchRequestIn {
  readonly requestUnion?: 'createRequest' | 'cancelRequest' | 'progressRequest';
  readonly createRequest?: WatchCreateRequestIn;
  readonly cancelRequest?: { readonly watchId: Int64Text };
  readonly progressRequest?: Record<string, never>;
}

export interface WatchResponseOut {
  readonly header: WireResponseHeader;
  readonly watchId: Int64Text;
  readonly created?: boolean;
  readonly canceled?: boolean;
  readonly compactRevision?: Int64Text;
  readonly cancelReason?: string;
  readonly fragment?: boolean;
  readonly events?: readonly WireEvent[];
}
