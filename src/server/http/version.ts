/**
 * GET /version, in etcd's shape: `{"etcdserver":"3.6.0","etcdcluster":"3.6.0",
 * "concord":"0.1.0"}`.
 *
 * Concord reports the etcd API version it implements, not its own, in etcd's two fields:
 * tools compare them against etcd release numbers to decide what the server supports, and
 * "0.1.0" would read as a pre-v3 etcd. Concord serves the etcd 3.6 API
 * (rpc.proto with 3.6's Status fields and learner support), so both say 3.6.0; the member's
 * own version goes in the extra "concord" field, which etcd's Go client ignores.
 * Maintenance.Status reports the same etcd API version (../convert/status.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConcordApi } from '../../node/api.js';
import { allowGet, replyJson } from './reply.js';

/** The etcd API version Concord's wire implements. */
export const etcdApiVersion = '3.6.0';

export interface VersionBody {
  readonly etcdserver: string;
  readonly etcdcluster: string;
  readonly concord: string;
}

export async function serveVersion(
  api: ConcordApi,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!allowGet(request.method, response)) return;
  const body: VersionBody = {
    etcdserver: etcdApiVersion,
    etcdcluster: etcdApiVersion,
    concord: (await api.status()).version,
  };
  replyJson(response, 200, body);
}
