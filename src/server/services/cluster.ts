/**
 * The Cluster service: membership changes and the member list. As etcd's cluster server, the
 * response header carries no revision (membership is not part of the key-value history), and
 * MemberAdd's `member` holds only the new member's ID, peer URLs and learner flag.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ClusterMember, ResponseHeader } from '../../node/api.js';
import { toWireHeader } from '../convert/header.js';
import { uint64ToBigint } from '../convert/int64.js';
import { toWireAddedMember, toWireMember } from '../convert/member.js';
import type { ResolvedOptions } from '../options.js';
import { checkPeerUrls } from '../validate/peer-urls.js';
import type {
  MemberAddRequestIn,
  MemberAddResponseOut,
  MemberListRequestIn,
  MemberPromoteRequestIn,
  MemberRemoveRequestIn,
  MembersResponseOut,
  MemberUpdateRequestIn,
} from '../wire/cluster.js';
import { unary } from './unary.js';

function membersResponse(
  header: ResponseHeader,
  members: readonly ClusterMember[],
): MembersResponseOut {
  return { header: toWireHeader(header, 0), members: members.map(toWireMember) };
}

export function clusterService(options: ResolvedOptions): UntypedServiceImplementation {
  const { api, onBug } = options;
  return {
    MemberList: unary<MemberListRequestIn, MembersResponseOut>(onBug, async (request, signal) => {
      const { header, response } = await api.memberList(request.linearizable, { signal });
      return membersResponse(header, response);
    }),
    MemberAdd: unary<MemberAddRequestIn, MemberAddResponseOut>(onBug, async (request, signal) => {
      const peerUrls = checkPeerUrls(request.peerURLs);
      const { header, response } = await api.memberAdd(peerUrls, request.isLearner, { signal });
      return {
        ...membersResponse(header, response.members),
        member: toWireAddedMember(response.added),
      };
    }),
    MemberRemove: unary<MemberRemoveRequestIn, MembersResponseOut>(
      onBug,
      async (request, signal) => {
        const { header, response } = await api.memberRemove(uint64ToBigint(request.ID), {
          signal,
        });
        return membersResponse(header, response);
      },
    ),
    MemberUpdate: unary<MemberUpdateRequestIn, MembersResponseOut>(
      onBug,
      async (request, signal) => {
        const peerUrls = checkPeerUrls(request.peerURLs);
        const { header, response } = await api.memberUpdate(uint64ToBigint(request.ID), peerUrls, {
          signal,
        });
        return membersResponse(header, response);
      },
    ),
    MemberPromote: unary<MemberPromoteRequestIn, MembersResponseOut>(
      onBug,
      async (request, signal) => {
        const { header, response } = await api.memberPromote(uint64ToBigint(request.ID), {
          signal,
        });
        return membersResponse(header, response);
      },
    ),
  };
}
