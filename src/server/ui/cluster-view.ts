/**
 * GET /ui/api/cluster: one JSON answer with every member's view, for the dashboard's Cluster
 * page. The serving member lists the members and asks each one, at its advertised client
 * URL, for its public POST /v3/maintenance/status and GET /health, in parallel, each bounded
 * by `timeoutMs`; a member that does not answer is reported with the error instead.
 *
 * Why server-side and not the browser calling every member (the gateway allows any origin):
 * members advertise the URLs they are reached at by each other and by clients, which the
 * browser (behind a proxy, a tunnel, another network) often cannot reach; the serving member
 * can, as every client can.
 *
 * Shape, in the gateway's naming:
 * `{"header": {...}, "members": [{"ID", "name", "peerURLs", "clientURLs", "isLearner",
 *   "status": <StatusResponse JSON> | null, "health": {"health","reason"} | null,
 *   "error": "..." }], "alarms": [{"memberID", "alarm"}]}`.
 */
import type { ConcordApi } from '../../node/api.js';

export interface ClusterViewOptions {
  readonly api: ConcordApi;
  /** Per member, how long its status and health may take (default 3 s). */
  readonly timeoutMs?: number;
}

interface MemberView {
  readonly ID: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
  readonly isLearner: boolean;
  readonly status: unknown;
  readonly health: unknown;
  readonly error?: string;
}

export async function clusterView(
  options: ClusterViewOptions,
  authorization: string | undefined,
): Promise<object> {
  const { api } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const { header, response: members } = await api.memberList(false);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const views = await Promise.all(
    members.map(async (member): Promise<MemberView> => {
      const base = {
        ID: member.id.toString(),
        name: member.name,
        peerURLs: member.peerUrls,
        clientURLs: member.clientUrls,
        isLearner: member.isLearner,
      };
      const url = member.clientUrls[0];
      if (url === undefined) return { ...base, status: null, health: null, error: 'unstarted' };
      const ask = async (path: string, init: RequestInit): Promise<unknown> => {
        const answer = await fetch(new URL(path, url), {
          ...init,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await answer.json()) as unknown;
        if (!answer.ok && path !== '/health') {
          const message = (body as { message?: unknown }).message;
          throw new Error(typeof message === 'string' ? message : `HTTP ${answer.status}`);
        }
        return body;
      };
      const [status, health] = await Promise.allSettled([
        ask('/v3/maintenance/status', { method: 'POST', headers, body: '{}' }),
        ask('/health', { method: 'GET' }),
      ]);
      const failed = [status, health].find((result) => result.status === 'rejected');
      return {
        ...base,
        status: status.status === 'fulfilled' ? status.value : null,
        health: health.status === 'fulfilled' ? health.value : null,
        ...(failed !== undefined ? { error: describe(failed.reason) } : {}),
      };
    }),
  );
  return {
    header: {
      cluster_id: header.clusterId.toString(),
      member_id: header.memberId.toString(),
      raft_term: String(header.raftTerm),
    },
    members: views,
    alarms: api.activeAlarms().map((alarm) => ({
      memberID: alarm.memberId.toString(),
      alarm: alarm.alarm,
    })),
  };
}

function describe(reason: unknown): string {
  if (reason instanceof Error) {
    if (reason.name === 'TimeoutError') return 'no answer (timed out)';
    const cause = (reason as { cause?: { code?: unknown } }).cause;
    if (typeof cause?.code === 'string') return `unreachable (${cause.code})`;
    return reason.message;
  }
  return String(reason);
}
