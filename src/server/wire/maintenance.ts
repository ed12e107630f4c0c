/** Maintenance service messages (etcdserverpb.StatusResponse ... AlarmResponse). */
import type { Int64Text, WireEnum, WireResponseHeader } from './common.js';

export interface StatusResponseOut {
  readonly header: WireResponseHeader;
  readonly version: string;
  readonly dbSize: Int64Text;
  readonly leader: Int64Text;
  readonly raftIndex: Int64Text;
  readonly raftTerm: Int64Text;
  readonly raftAppliedIndex: Int64Text;
  readonly errors: readonly string[];
  readonly dbSizeInUse: Int64Text;
  readonly isLearner: boolean;
  readonly storageVersion: string;
  readonly dbSizeQuota: Int64Text;
  readonly downgradeInfo: { readonly enabled: boolean; readonly targetVersion: string };
}

export interface HashResponseOut {
  readonly header: WireResponseHeader;
  /** uint32: a plain number on the wire. */
  readonly hash: number;
}

export interface HashKVRequestIn {
  readonly revision: Int64Text;
}

export interface HashKVResponseOut {
  readonly header: WireResponseHeader;
  readonly hash: number;
  readonly compactRevision: Int64Text;
  readonly hashRevision: Int64Text;
}

/** etcd sends no header on Snapshot messages; neither does Concord. */
export interface SnapshotResponseOut {
  readonly remainingBytes: Int64Text;
  readonly blob: Uint8Array;
  readonly version: string;
}

export interface MoveLeaderRequestIn {
  readonly targetID: Int64Text;
}

export type WireAlarmType = WireEnum<'NONE' | 'NOSPACE' | 'CORRUPT'>;

export interface AlarmRequestIn {
  readonly action: WireEnum<'GET' | 'ACTIVATE' | 'DEACTIVATE'>;
  readonly memberID: Int64Text;
  readonly alarm: WireAlarmType;
}

export interface WireAlarmMember {
  readonly memberID: Int64Text;
  readonly alarm: 'NOSPACE' | 'CORRUPT';
}

export interface AlarmResponseOut {
  readonly header: WireResponseHeader;
  readonly alarms: readonly WireAlarmMember[];
}
