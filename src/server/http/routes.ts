/**
 * The client port's plain-HTTP endpoints, as etcd serves them on its client URLs: /health,
 * /livez, /readyz (and their /<check> subpaths) and /version. Every other path goes to
 * `fallback`, the seam where /metrics and the dashboard's endpoints plug in (404 until then).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ConcordApi } from '../../node/api.js';
import type { BugHandler } from '../status.js';
import { serveHealth, type Health } from './health.js';
import { serveProbe } from './probes.js';
import { replyError } from './reply.js';
import { serveVersion } from './version.js';

export interface HttpOptions {
  readonly api: ConcordApi;
  /** How long a probe's read may take before it counts as failed. */
  readonly timeoutMs: number;
  readonly onBug: BugHandler;
  /** Paths this router does not serve. */
  readonly fallback: RequestListener;
  /** Told each /health answer (for metrics). */
  readonly onHealth?: (health: Health) => void;
  /**
   * Tried in order before `fallback` (the JSON gateway, the dashboard): each answers the
   * paths it owns and resolves true, or resolves false without touching the response.
   */
  readonly handlers?: readonly PathHandler[];
}

export type PathHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
) => Promise<boolean>;

export function httpRoutes(options: HttpOptions): RequestListener {
  return (request, response) => {
    route(options, request, response).catch((error: unknown) => {
      // The handlers turn ConcordErrors into answers; what reaches here is a bug.
      options.onBug(error);
      if (!response.headersSent) replyError(response, 500, 'Internal Server Error');
      else response.destroy();
    });
  };
}

async function route(
  options: HttpOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://concord');
  const path = url.pathname;
  if (path === '/health') return serveHealth(options, request, response, url.searchParams);
  if (path === '/version') return serveVersion(options.api, request, response);
  if (await serveProbe(options, path, request, response, url.searchParams)) return;
  for (const handler of options.handlers ?? []) {
    if (await handler(request, response, path)) return;
  }
  options.fallback(request, response);
}
