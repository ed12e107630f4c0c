/** Maintenance.Status from the member's status. */
import type { MemberStatus } from '../../node/api.js';
import { etcdApiVersion } from '../http/version.js';
import type { StatusResponseOut } from '../wire/maintenance.js';
import { toWireHeader } from './header.js';
import { bigintToUint64, numberToInt64, numberToUint64 } from './int64.js';

/** What etcd's Status handler adds when the member knows no leader. */
export const noLeaderStatusError = 'etcdserver: no leader';

export function toWireStatus(status: MemberStatus, dbSizeQuota: number): StatusResponseOut {
  const errors =
    status.leader === 0n && !status.errors.includes(noLeaderStatusError)
      ? [...status.errors, noLeaderStatusError]
      : status.errors;
  return {
    header: toWireHeader(status.header),
    // The etcd API version, as /version's etcdserver field says (see ../http/version.ts):
    // clients read it as an etcd release number; Concord's own is in /version's "concord".
    version: etcdApiVersion,
    dbSize: numberToInt64(status.dbSize),
    leader: bigintToUint64(status.leader),
    raftIndex: numberToUint64(status.raftIndex),
    raftTerm: numberToUint64(status.raftTerm),
    raftAppliedIndex: numberToUint64(status.raftAppliedIndex),
    errors,
    dbSizeInUse: numberToInt64(status.dbSizeInUse),
    isLearner: status.isLearner,
    storageVersion: '',
    dbSizeQuota: numberToInt64(dbSizeQuota),
    downgradeInfo: { enabled: false, targetVersion: '' },
  };
}
