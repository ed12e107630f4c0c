/** Lock service messages (v3lockpb.LockRequest ... UnlockResponse). See ./common.ts. */
import type { Int64Text, WireResponseHeader } from './common.js';

export interface LockRequestIn {
  readonly name: Buffer;
  readonly lease: Int64Text;
}

export interface LockResponseOut {
  readonly header: WireResponseHeader;
  readonly key: Uint8Array;
}

export interface UnlockRequestIn {
  readonly key: Buffer;
}

export interface UnlockResponseOut {
  readonly header: WireResponseHeader;
}
