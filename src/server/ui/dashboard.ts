/**
 * The dashboard, served by every member under /ui on the client port:
 *
 * - /ui/            the page (a tiny HTML shell), /ui/app.js and /ui/app.css (./assets.ts);
 * - /ui/api/cluster every member's status and health in one answer (./cluster-view.ts);
 * - /ui/api/metrics?member=ID  that member's /metrics text, fetched at its client URL, so the
 *   Charts page can show any member (404 when the member serves no /metrics).
 *
 * Everything else the page needs it reads from the member's public JSON gateway (/v3/...).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConcordApi } from '../../node/api.js';
import { statusOf } from '../status.js';
import type { BugHandler } from '../status.js';
import { allowGet, replyError, replyJson } from '../http/reply.js';
import { dashboardAssets } from './assets.js';
import { clusterView } from './cluster-view.js';

export interface DashboardOptions {
  readonly api: ConcordApi;
  readonly onBug: BugHandler;
}

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Concord</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`;

const noCache = { 'cache-control': 'no-cache' };

export function dashboardHandler(
  options: DashboardOptions,
): (request: IncomingMessage, response: ServerResponse, path: string) => Promise<boolean> {
  return async (request, response, path) => {
    if (path !== '/ui' && !path.startsWith('/ui/')) return false;
    if (!allowGet(request.method, response)) return true;
    if (path === '/ui') {
      response.writeHead(301, { location: '/ui/' }).end();
      return true;
    }
    if (path === '/ui/') {
      response.writeHead(200, { ...noCache, 'content-type': 'text/html; charset=utf-8' }).end(page);
      return true;
    }
    if (path === '/ui/api/cluster') {
      try {
        const view = await clusterView({ api: options.api }, request.headers.authorization);
        response.setHeader('cache-control', 'no-store');
        replyJson(response, 200, view);
      } catch (error) {
        const status = statusOf(error, options.onBug);
        replyJson(response, 503, {
          error: status.details,
          message: status.details,
          code: status.code,
        });
      }
      return true;
    }
    if (path === '/ui/api/metrics') {
      await proxyMetrics(options.api, request, response);
      return true;
    }
    const name = path.slice('/ui/'.length);
    let assets;
    try {
      assets = await dashboardAssets();
    } catch (error) {
      replyError(response, 503, `dashboard bundle unavailable: ${(error as Error).message}`);
      return true;
    }
    const asset = assets.get(name);
    if (asset === undefined) {
      replyError(response, 404, '404 page not found');
      return true;
    }
    response.writeHead(200, { ...noCache, 'content-type': asset.contentType }).end(asset.body);
    return true;
  };
}

async function proxyMetrics(
  api: ConcordApi,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const query = new URL(request.url ?? '/', 'http://concord').searchParams;
  const wanted = query.get('member') ?? api.header().memberId.toString();
  const { response: members } = await api.memberList(false);
  const member = members.find((candidate) => candidate.id.toString() === wanted);
  const url = member?.clientUrls[0];
  if (url === undefined) {
    replyError(response, 404, `no member ${wanted} with a client URL`);
    return;
  }
  try {
    const answer = await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(2000) });
    const text = await answer.text();
    response
      .writeHead(answer.status, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      })
      .end(text);
  } catch (error) {
    replyError(response, 502, `member ${wanted}: ${(error as Error).message}`);
  }
}
