/** etcdserverpb.Member from the member's ClusterMember. */
import type { ClusterMember } from '../../node/api.js';
import type { WireMember } from '../wire/cluster.js';
import { bigintToUint64 } from './int64.js';

export function toWireMember(member: ClusterMember): WireMember {
  return {
    ID: bigintToUint64(member.id),
    name: member.name,
    peerURLs: member.peerUrls,
    clientURLs: member.clientUrls,
    isLearner: member.isLearner,
  };
}

/** What etcd puts in MemberAddResponse.member: ID, peer URLs and learner flag only. */
export function toWireAddedMember(member: ClusterMember): WireMember {
  return { ...toWireMember(member), name: '', clientURLs: [] };
}
