/**
 * The Cluster and Maintenance calls the member and endpoint commands make, through the
 * client's connection (failover, auth, TLS), and the wire shapes they answer with.
 */
import type { Client, ClientOptions } from '../../client/index.js';
import type { Int64, WireHeader } from '../../client/proto.js';
import { openClient } from './context.js';

export interface WireMember {
  ID: Int64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface WireMembers {
  header: WireHeader;
  members: WireMember[];
}

export interface WireStatus {
  header: WireHeader;
  version: string;
  dbSize: Int64;
  leader: Int64;
  raftIndex: Int64;
  raftTerm: Int64;
  raftAppliedIndex: Int64;
  errors: string[];
  dbSizeInUse: Int64;
  isLearner: boolean;
}

export interface WireHashKV {
  header: WireHeader;
  hash: number;
  compactRevision: Int64;
}

export function memberList(client: Client): Promise<WireMembers> {
  return client.connection.unary('Cluster', 'MemberList', { linearizable: true }, 'read');
}

/**
 * The endpoints of every member (their client URLs, from MemberList), for `--cluster`:
 * etcdctl's way to address a whole cluster from one endpoint.
 */
export async function clusterEndpoints(client: Client): Promise<string[]> {
  const { members } = await memberList(client);
  return [...new Set(members.flatMap((m) => m.clientURLs))];
}

/** A client bound to one endpoint (no failover: the answer must be that member's). */
export function endpointClient(
  options: ClientOptions,
  endpoint: string,
  timeoutMs: number,
): Client {
  return openClient({
    ...options,
    endpoints: [endpoint],
    requestTimeoutMs: timeoutMs,
    attemptTimeoutMs: timeoutMs,
  });
}
