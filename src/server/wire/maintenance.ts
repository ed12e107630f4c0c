/** Maintenance service messages Concord answers today (etcdserverpb.StatusResponse). */
import type { Int64Text, WireResponseHeader } from './common.js';

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
