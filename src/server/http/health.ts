/**
 * GET /health, etcd's (etcdhttp/health.go): `{"health":"true","reason":""}` with 200 when the
 * member has no alarm, knows a leader and serves a linearizable read within the bound; else
 * 503 with `"health":"false"` and the first failing check as the reason: "ALARM NOSPACE",
 * "ALARM CORRUPT", "RAFT NO LEADER" or "RANGE ERROR:<message>".
 *
 * Query parameters, as etcd's: `exclude=NOSPACE` (repeatable) ignores that alarm;
 * `serializable=true` checks this member alone (no leader needed, a local read).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConcordApi } from '../../node/api.js';
import type { BugHandler } from '../status.js';
import { readCheck } from './read-check.js';
import { allowGet, replyError, replyJson } from './reply.js';

export interface Health {
  readonly health: 'true' | 'false';
  readonly reason: string;
}

export interface HealthOptions {
  readonly api: ConcordApi;
  readonly timeoutMs: number;
  readonly onBug: BugHandler;
  /** Told each answer (for metrics). */
  readonly onHealth?: (health: Health) => void;
}

export async function checkHealth(options: HealthOptions, query: URLSearchParams): Promise<Health> {
  const { api } = options;
  const excluded = new Set(query.getAll('exclude'));
  const serializable = query.get('serializable') === 'true';
  const alarm = api.activeAlarms().find((active) => !excluded.has(active.alarm));
  if (alarm !== undefined) return { health: 'false', reason: `ALARM ${alarm.alarm}` };
  if (!serializable && (await api.status()).leader === 0n) {
    return { health: 'false', reason: 'RAFT NO LEADER' };
  }
  const failed = await readCheck(api, serializable, options.timeoutMs, options.onBug);
  if (failed !== undefined) return { health: 'false', reason: `RANGE ERROR:${failed}` };
  return { health: 'true', reason: '' };
}

export async function serveHealth(
  options: HealthOptions,
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  if (!allowGet(request.method, response)) return;
  const health = await checkHealth(options, query);
  options.onHealth?.(health);
  // etcd writes the healthy JSON without a content type (Go sniffs text/plain) and the
  // unhealthy one through http.Error.
  if (health.health === 'true') {
    replyJson(response, 200, health, 'text/plain; charset=utf-8');
  } else {
    replyError(response, 503, JSON.stringify(health));
  }
}
