/** Cluster service messages (etcdserverpb.Member ... MemberPromoteResponse). See ./common.ts. */
import type { Int64Text, WireResponseHeader } from './common.js';

export interface WireMember {
  readonly ID: Int64Text;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
  readonly isLearner: boolean;
}

export interface MemberListRequestIn {
  readonly linearizable: boolean;
}

export interface MemberAddRequestIn {
  readonly peerURLs: readonly string[];
  readonly isLearner: boolean;
}

export interface MemberRemoveRequestIn {
  readonly ID: Int64Text;
}

export interface MemberUpdateRequestIn {
  readonly ID: Int64Text;
  readonly peerURLs: readonly string[];
}

export interface MemberPromoteRequestIn {
  readonly ID: Int64Text;
}

/** MemberList, MemberRemove, MemberUpdate and MemberPromote all answer this shape. */
export interface MembersResponseOut {
  readonly header: WireResponseHeader;
  readonly members: readonly WireMember[];
}

export interface MemberAddResponseOut extends MembersResponseOut {
  readonly member: WireMember;
}
