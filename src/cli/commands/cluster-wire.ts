/**
 * The Cluster and Maintenance calls the member and endpoint commands make, through the
 * client's connection (failover, auth, TLS), and the wire shapes they answer with.
 */
import type { Client, ClientOptions } from '../../client/index.js';
import type { WireMembersResponse } from '../../client/proto.js';
import { openClient } from './context.js';

export function memberList(client: Client): Promise<WireMembersResponse> {
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
