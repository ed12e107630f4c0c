import { readFileSync } from 'node:fs';
import { isConcordError } from '../base/errors.js';
import { realClock } from '../env/clock.js';
import type { Logger } from '../env/logger.js';
import { RealDisk } from '../env/real-disk.js';
import { Member } from '../node/member.js';
import { createMetrics } from '../server/metrics/metrics.js';
import { listenMetricsUrls, type MetricsListener } from '../server/metrics/metrics-listener.js';
import { createServer } from '../server/server.js';
import { parseAuthToken, type TokenConfig } from '../server/auth/token-options.js';
import { envName, serveFlags } from './flags.js';
import { createServeLogger } from './logger.js';
import { ConfigError, parseServeConfig, type ServeConfig } from './serve-config.js';
import { loadServeTls, type ServeTls } from './serve-tls.js';

/**
 * `concord serve`: one member, its WAL and database under --data-dir, the etcd v3 API on
 * --listen-client-urls. SIGTERM and SIGINT shut it down cleanly (in-flight requests finish,
 * streams end, the log is closed); a SIGKILL loses nothing acknowledged, since nothing is
 * acknowledged before it is in the fsynced WAL.
 */
export async function serve(argv: readonly string[], version: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serveHelp());
    return 0;
  }
  let config: ServeConfig;
  let tls: ServeTls;
  try {
    config = parseServeConfig(argv, process.env, (path) => readFileSync(path, 'utf8'));
    tls = await loadServeTls(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`concord serve: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let authToken: TokenConfig;
  try {
    authToken = parseAuthToken(config.authToken);
  } catch (error) {
    process.stderr.write(`concord serve: ${error instanceof Error ? error.message : error}\n`);
    return 2;
  }
  let logger: Logger;
  try {
    logger = createServeLogger({
      member: config.name,
      level: config.logLevel,
      outputs: config.logOutputs,
    });
  } catch (error) {
    // A --log-outputs file that cannot be created or opened.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`concord serve: ${error.message}\n`);
    return 2;
  }
  const metrics = createMetrics({ logger, slowRequestMs: config.warningApplyDurationMs });
  let member: Member;
  try {
    member = await Member.open({
      name: config.name,
      dataDir: config.dataDir,
      disk: new RealDisk(),
      clock: realClock,
      initialCluster: config.initialCluster,
      initialClusterToken: config.initialClusterToken,
      clientUrls: config.advertiseClientUrls,
      listenPeerUrls: config.listenPeerUrls,
      peerTls: tls.peer,
      peerUrls: config.initialAdvertisePeerUrls,
      initialClusterState: config.initialClusterState,
      heartbeatMs: config.heartbeatIntervalMs,
      electionMs: config.electionTimeoutMs,
      snapshotCount: config.snapshotCount,
      catchUpEntries: config.snapshotCatchUpEntries,
      quotaBackendBytes: config.quotaBackendBytes,
      logger,
      observer: metrics.observer,
      warningApplyDurationMs: config.warningApplyDurationMs,
      version,
    });
  } catch (error) {
    if (isConcordError(error)) {
      process.stderr.write(`concord serve: cannot start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const server = await createServer({
    api: member,
    auth: {
      token: authToken,
      tokenTtlSeconds: config.authTokenTtlSeconds,
      bcryptCost: config.bcryptCost,
      log: (line, fields) => logger.warn(line, fields as Record<string, unknown>),
    },
    listen: config.listenClientUrls,
    tls: tls.client,
    limits: {
      requestBytesMax: config.maxRequestBytes,
      txnOpsMax: config.maxTxnOps,
      quotaBackendBytes: config.quotaBackendBytes,
      concurrentStreamsMax: config.maxConcurrentStreams,
      connectionsMax: config.maxConnections,
      watchersPerStreamMax: config.maxWatchersPerStream,
      leasesMax: config.maxLeases,
      waitingCallsMax: config.maxWaitingCalls,
    },
    leaseCount: () => member.stateMachine.leaseCount(),
    electionTimeoutMs: config.electionTimeoutMs,
    http: metrics.http,
    grpcInterceptors: [metrics.grpc],
    busyPollWindowUs: config.busyPollUs,
    onHealth: (health) => metrics.health(health),
    onGrpcSocket: (socket) => metrics.grpcSocket(socket),
  });
  metrics.attach(() => member.metrics());
  let metricsListener: MetricsListener;
  try {
    metricsListener = await listenMetricsUrls({
      api: member,
      urls: config.listenMetricsUrls,
      metrics,
    });
  } catch (error) {
    process.stderr.write(`concord serve: --listen-metrics-urls: ${String(error)}\n`);
    await server.close();
    await member.close();
    return 1;
  }
  logger.info('serving clients', {
    memberId: member.identity.memberId.toString(16),
    dataDir: config.dataDir,
    urls: server.urls.map(String),
    metricsUrls: metricsListener.urls.map(String),
  });
  for (const url of metricsListener.urls)
    process.stdout.write(`concord: serving metrics on ${url.origin}\n`);
  for (const url of server.urls)
    process.stdout.write(`concord: serving client requests on ${url.origin}\n`);
  // Renewed certificates are picked up for new connections without a restart.
  tls.watch(logger);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal });
      void server
        .close()
        .then(() => metricsListener.close())
        .then(() => member.close())
        .then(() => {
          logger.info('stopped');
          resolve(0);
        });
    };
    member.onRemoved = () => stop('removed from the cluster');
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

function serveHelp(): string {
  const lines = Object.entries(serveFlags).map(([name, spec]) => {
    const fallback = spec.default === '' ? '' : ` (default ${spec.default})`;
    return `  --${name.padEnd(28)} ${spec.help}${fallback}\n  ${''.padEnd(30)} env ${envName(name)}`;
  });
  return `usage: concord serve [flags]\n\nflags (etcd's names; precedence: flag, environment, --config-file, default):\n${lines.join('\n')}\n`;
}
