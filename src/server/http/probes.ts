/**
 * GET /livez and /readyz, etcd 3.6's probes (etcdhttp/health.go), for orchestrators:
 * - /livez: the process serves local reads (serializable_read). A failing liveness probe
 *   means "restart me".
 * - /readyz: no CORRUPT alarm (data_corruption), local and quorum reads work
 *   (serializable_read, linearizable_read), and this member votes (non_learner). A failing
 *   readiness probe means "send no clients here".
 *
 * 200 "ok\n" when every check passes (`?verbose` first lists "[+]name ok" lines); else 503
 * with the "[+]name ok" / "[-]name failed: reason" lines. `?exclude=name` skips a check;
 * `/readyz/<name>` runs one. etcd runs its checks in Go's random map order; Concord in the
 * fixed order above.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConcordApi } from '../../node/api.js';
import type { BugHandler } from '../status.js';
import { readCheck } from './read-check.js';
import { allowGet, replyError, replyText } from './reply.js';

export interface ProbeOptions {
  readonly api: ConcordApi;
  readonly timeoutMs: number;
  readonly onBug: BugHandler;
}

/** A check resolves undefined when it passes, else why it failed. */
type Check = (options: ProbeOptions) => Promise<string | undefined>;

const serializableRead: Check = (o) => readCheck(o.api, true, o.timeoutMs, o.onBug);
const linearizableRead: Check = (o) => readCheck(o.api, false, o.timeoutMs, o.onBug);
const dataCorruption: Check = async ({ api }) =>
  api.activeAlarms().some((alarm) => alarm.alarm === 'CORRUPT')
    ? 'alarm activated: CORRUPT'
    : undefined;
const nonLearner: Check = async ({ api }) =>
  (await api.status()).isLearner ? 'not supported for learner' : undefined;

export const probes: Readonly<Record<'livez' | 'readyz', ReadonlyMap<string, Check>>> = {
  livez: new Map([['serializable_read', serializableRead]]),
  readyz: new Map([
    ['data_corruption', dataCorruption],
    ['serializable_read', serializableRead],
    ['linearizable_read', linearizableRead],
    ['non_learner', nonLearner],
  ]),
};

/**
 * Serves `/livez`, `/readyz` and their `/<check>` subpaths; false when `path` is neither
 * (the caller answers it).
 */
export async function serveProbe(
  options: ProbeOptions,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<boolean> {
  const [, kind, only, extra] = path.split('/');
  if ((kind !== 'livez' && kind !== 'readyz') || extra !== undefined) return false;
  const checks = probes[kind];
  if (only !== undefined && !checks.has(only)) return false;
  if (!allowGet(request.method, response)) return true;
  const excluded = new Set(query.getAll('exclude'));
  const names =
    only !== undefined ? [only] : [...checks.keys()].filter((name) => !excluded.has(name));
  let lines = '';
  let failed = false;
  for (const name of names) {
    const reason = await (checks.get(name) as Check)(options);
    failed ||= reason !== undefined;
    lines += reason === undefined ? `[+]${name} ok\n` : `[-]${name} failed: ${reason}\n`;
  }
  if (failed) replyError(response, 503, lines);
  else replyText(response, 200, `${query.has('verbose') ? lines : ''}ok\n`);
  return true;
}
