/** etcdserverpb.ResponseHeader from the member's header. */
import type { ResponseHeader } from '../../node/api.js';
import type { WireResponseHeader } from '../wire/common.js';
import { bigintToUint64, numberToInt64, numberToUint64 } from './int64.js';

export function toWireHeader(
  header: ResponseHeader,
  revision = header.revision,
): WireResponseHeader {
  return {
    clusterId: bigintToUint64(header.clusterId),
    memberId: bigintToUint64(header.memberId),
    revision: numberToInt64(revision),
    raftTerm: numberToUint64(header.raftTerm),
  };
}
