/**
 * --listen-metrics-urls: plain-HTTP listeners apart from the client port, serving /metrics and
 * the health probes (/health, /livez, /readyz, and /version) but no gRPC, as etcd's metrics
 * listener does: monitoring can reach them without reaching the client API.
 *
 * @example
 * const listener = await listenMetricsUrls({ api: member, urls, metrics });
 * // ... listener.urls (ports chosen by the system filled in); later:
 * await listener.close();
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ConcordApi } from '../../node/api.js';
import { httpRoutes } from '../http/routes.js';
import { crashOnBug, type BugHandler } from '../status.js';
import type { ConcordMetrics } from './metrics.js';

export interface MetricsListenerOptions {
  readonly api: ConcordApi;
  readonly urls: readonly URL[];
  readonly metrics: ConcordMetrics;
  /** How long a probe's read may take (default 5 s, as on the client port). */
  readonly healthTimeoutMs?: number;
  readonly onBug?: BugHandler;
}

export interface MetricsListener {
  readonly urls: readonly URL[];
  close(): Promise<void>;
}

export async function listenMetricsUrls(options: MetricsListenerOptions): Promise<MetricsListener> {
  const routes = httpRoutes({
    api: options.api,
    timeoutMs: options.healthTimeoutMs ?? 5000,
    onBug: options.onBug ?? crashOnBug,
    fallback: options.metrics.http,
    onHealth: (health) => options.metrics.health(health),
  });
  const servers: { server: Server; sockets: Set<Socket> }[] = [];
  const urls: URL[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(
      servers.map(
        ({ server, sockets }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            for (const socket of sockets) socket.destroy();
          }),
      ),
    );
  };
  try {
    for (const url of options.urls) {
      if (url.protocol !== 'http:') {
        throw new RangeError(`--listen-metrics-urls: ${url.href}: only http:// is served`);
      }
      const server = createServer(routes);
      const sockets = new Set<Socket>();
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      servers.push({ server, sockets });
      urls.push(await listen(server, url));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, close };
}

function listen(server: Server, url: URL): Promise<URL> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: Number(url.port) }, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = new URL(url.href);
      if (address !== null && typeof address === 'object') bound.port = String(address.port);
      resolve(bound);
    });
  });
}
