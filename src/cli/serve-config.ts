import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { envName, serveFlags, type FlagSpec, type ServeFlagName } from './flags.js';

/** A configuration error: names the flag at fault, so the message says what to change. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface InitialClusterMember {
  readonly name: string;
  readonly peerUrls: readonly string[];
}

/** One side's TLS flags (client: --cert-file...; peer: --peer-cert-file...); '' = not given. */
export interface TlsFlags {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  readonly clientCertAuth: boolean;
  readonly autoTls: boolean;
}

/** `concord serve`'s configuration, validated. */
export interface ServeConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly listenClientUrls: readonly URL[];
  readonly advertiseClientUrls: readonly string[];
  readonly listenPeerUrls: readonly URL[];
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly initialCluster: readonly InitialClusterMember[];
  readonly initialClusterState: 'new' | 'existing';
  readonly initialClusterToken: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly snapshotCount: number;
  readonly snapshotCatchUpEntries: number;
  readonly quotaBackendBytes: number;
  readonly maxRequestBytes: number;
  readonly maxTxnOps: number;
  readonly maxConcurrentStreams: number;
  readonly maxConnections: number;
  readonly maxWatchersPerStream: number;
  readonly maxLeases: number;
  readonly maxWaitingCalls: number;
  /** --busy-poll-us: the event loop's polling window after an answer, µs (0: off). */
  readonly busyPollUs: number;
  /** --auth-token, as given (src/server/auth/token-options.ts parses it). */
  readonly authToken: string;
  readonly authTokenTtlSeconds: number;
  readonly bcryptCost: number;
  readonly autoCompactionMode: 'periodic' | 'revision';
  readonly autoCompactionRetention: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly clientTls: TlsFlags;
  readonly peerTls: TlsFlags;
  /** --log-outputs: 'stderr', 'stdout' or file paths. */
  readonly logOutputs: readonly string[];
  /** --listen-metrics-urls: may be empty. */
  readonly listenMetricsUrls: readonly URL[];
  /** --warning-apply-duration, in milliseconds. */
  readonly warningApplyDurationMs: number;
}

type Raw = Record<ServeFlagName, string>;

/**
 * Reads flags, then CONCORD_* environment variables, then the YAML config file, then
 * defaults (the first that sets a key wins), and validates the result.
 */
export function parseServeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): ServeConfig {
  const names = Object.keys(serveFlags) as ServeFlagName[];
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.map(bareBoolFlag),
      options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const fromFlags = parsed.values as Partial<Record<ServeFlagName, string>>;
  const configFile = fromFlags['config-file'] ?? env[envName('config-file')] ?? '';
  const fromFile = configFile === '' ? {} : readConfigFile(configFile, readFile);
  const raw = {} as Raw;
  for (const name of names) {
    raw[name] = fromFlags[name] ?? env[envName(name)] ?? fromFile[name] ?? serveFlags[name].default;
  }
  return validate(raw);
}

function readConfigFile(path: string, readFile: (path: string) => string): Partial<Raw> {
  let document: unknown;
  try {
    document = parseYaml(readFile(path));
  } catch (error) {
    throw new ConfigError(
      `--config-file ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`--config-file ${path}: expected a mapping of flag names to values`);
  }
  const out: Partial<Raw> = {};
  for (const [key, value] of Object.entries(document)) {
    if (!(key in serveFlags)) throw new ConfigError(`--config-file ${path}: unknown key "${key}"`);
    out[key as ServeFlagName] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

function validate(raw: Raw): ServeConfig {
  const name = raw.name;
  if (name === '') throw new ConfigError('--name must not be empty');
  const heartbeatIntervalMs = int(raw, 'heartbeat-interval');
  const electionTimeoutMs = int(raw, 'election-timeout');
  if (heartbeatIntervalMs <= 0) throw new ConfigError('--heartbeat-interval must be positive');
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    throw new ConfigError(
      `--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`,
    );
  }
  if (electionTimeoutMs > 50_000) {
    throw new ConfigError(
      `--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than 50000ms`,
    );
  }
  const initialAdvertisePeerUrls = urls(raw, 'initial-advertise-peer-urls').map((u) =>
    stripSlash(u.href),
  );
  const initialCluster =
    raw['initial-cluster'] === ''
      ? [{ name, peerUrls: initialAdvertisePeerUrls }]
      : parseInitialCluster(raw['initial-cluster']);
  const self = initialCluster.find((m) => m.name === name);
  if (raw['initial-cluster-state'] === 'new' && self === undefined) {
    throw new ConfigError(
      `--initial-cluster has no member named "${name}" (--name); add ${name}=${initialAdvertisePeerUrls[0]}`,
    );
  }
  if (self !== undefined && !sameUrls(self.peerUrls, initialAdvertisePeerUrls)) {
    throw new ConfigError(
      `--initial-cluster has ${name}=${self.peerUrls.join(',')} but missing from --initial-advertise-peer-urls=${initialAdvertisePeerUrls.join(',')}`,
    );
  }
  const state = raw['initial-cluster-state'];
  if (state !== 'new' && state !== 'existing') {
    throw new ConfigError(`--initial-cluster-state must be 'new' or 'existing', got "${state}"`);
  }
  const clientTls = tlsFlags(raw, '');
  const peerTls = tlsFlags(raw, 'peer-');
  const mode = raw['auto-compaction-mode'];
  if (mode !== 'periodic' && mode !== 'revision') {
    throw new ConfigError(`--auto-compaction-mode must be 'periodic' or 'revision', got "${mode}"`);
  }
  const logLevel = raw['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  }
  return {
    name,
    dataDir: raw['data-dir'] === '' ? `${name}.concord` : raw['data-dir'],
    listenClientUrls: urls(raw, 'listen-client-urls'),
    advertiseClientUrls: urls(raw, 'advertise-client-urls').map((u) => stripSlash(u.href)),
    listenPeerUrls: urls(raw, 'listen-peer-urls'),
    initialAdvertisePeerUrls,
    initialCluster,
    initialClusterState: state,
    initialClusterToken: raw['initial-cluster-token'],
    heartbeatIntervalMs,
    electionTimeoutMs,
    snapshotCount: positive(raw, 'snapshot-count'),
    snapshotCatchUpEntries: positive(raw, 'experimental-snapshot-catchup-entries'),
    quotaBackendBytes: positive(raw, 'quota-backend-bytes'),
    maxRequestBytes: positive(raw, 'max-request-bytes'),
    maxTxnOps: positive(raw, 'max-txn-ops'),
    maxConcurrentStreams: positive(raw, 'max-concurrent-streams'),
    maxConnections: positive(raw, 'max-connections'),
    maxWatchersPerStream: positive(raw, 'max-watchers-per-stream'),
    maxLeases: positive(raw, 'max-leases'),
    maxWaitingCalls: positive(raw, 'max-waiting-calls'),
    busyPollUs: notNegative(raw, 'busy-poll-us'),
    authToken: raw['auth-token'],
    authTokenTtlSeconds: positive(raw, 'auth-token-ttl'),
    bcryptCost: positive(raw, 'bcrypt-cost'),
    autoCompactionMode: mode,
    autoCompactionRetention: raw['auto-compaction-retention'],
    logLevel: logLevel as ServeConfig['logLevel'],
    clientTls: checkTlsUrls(clientTls, urls(raw, 'listen-client-urls'), 'listen-client-urls', ''),
    peerTls: checkTlsUrls(peerTls, urls(raw, 'listen-peer-urls'), 'listen-peer-urls', 'peer-'),
    // etcd's 'default' is stderr.
    logOutputs: list(raw['log-outputs'] || 'stderr').map((o) => (o === 'default' ? 'stderr' : o)),
    listenMetricsUrls: list(raw['listen-metrics-urls']).map((text) =>
      parseUrl('listen-metrics-urls', text),
    ),
    warningApplyDurationMs: durationMs(raw, 'warning-apply-duration'),
  };
}

/** Go's flag package takes a bool flag bare (`--auto-tls`): that is `--auto-tls=true`. */
function bareBoolFlag(arg: string): string {
  const name = arg.startsWith('--') ? arg.slice(2) : '';
  const spec = (serveFlags as Record<string, FlagSpec | undefined>)[name];
  return spec?.kind === 'bool' ? `${arg}=true` : arg;
}

function bool(raw: Raw, flag: ServeFlagName): boolean {
  const text = raw[flag].trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0' || text === '') return false;
  throw new ConfigError(`--${flag} must be true or false, got "${raw[flag]}"`);
}

function tlsFlags(raw: Raw, prefix: '' | 'peer-'): TlsFlags {
  const flag = (name: string): ServeFlagName => `${prefix}${name}` as ServeFlagName;
  const tls: TlsFlags = {
    certFile: raw[flag('cert-file')].trim(),
    keyFile: raw[flag('key-file')].trim(),
    trustedCaFile: raw[flag('trusted-ca-file')].trim(),
    clientCertAuth: bool(raw, flag('client-cert-auth')),
    autoTls: bool(raw, flag('auto-tls')),
  };
  if ((tls.certFile === '') !== (tls.keyFile === '')) {
    throw new ConfigError(`--${prefix}cert-file and --${prefix}key-file must be given together`);
  }
  if (tls.clientCertAuth && tls.trustedCaFile === '') {
    throw new ConfigError(
      `--${prefix}client-cert-auth needs --${prefix}trusted-ca-file (the CA that signs the certificates to accept)`,
    );
  }
  return tls;
}

/**
 * https:// needs a certificate. A member that demands peer certificates takes no plain-text
 * peer URL (a plain peer could not present one); client URLs may mix http and https, as
 * etcd's may (certificates are then demanded on the https ones only).
 */
function checkTlsUrls(
  tls: TlsFlags,
  listen: readonly URL[],
  flag: string,
  prefix: string,
): TlsFlags {
  const hasCert = tls.certFile !== '' || tls.autoTls;
  for (const url of listen) {
    if (url.protocol === 'https:' && !hasCert) {
      throw new ConfigError(
        `--${flag}: ${url.href} needs --${prefix}cert-file and --${prefix}key-file, or --${prefix}auto-tls`,
      );
    }
    if (
      prefix === 'peer-' &&
      url.protocol === 'http:' &&
      (tls.clientCertAuth || tls.trustedCaFile !== '')
    ) {
      throw new ConfigError(
        `--${flag}: ${url.href} is plain text, but --${prefix}${tls.clientCertAuth ? 'client-cert-auth' : 'trusted-ca-file'} demands certificates: use https://`,
      );
    }
  }
  return tls;
}

function int(raw: Raw, flag: ServeFlagName): number {
  const text = raw[flag].trim();
  const value = Number(text);
  if (text === '' || !Number.isSafeInteger(value)) {
    throw new ConfigError(`--${flag} must be an integer, got "${raw[flag]}"`);
  }
  return value;
}

function positive(raw: Raw, flag: ServeFlagName): number {
  const value = int(raw, flag);
  if (value <= 0) throw new ConfigError(`--${flag} must be positive, got ${value}`);
  return value;
}

function notNegative(raw: Raw, flag: ServeFlagName): number {
  const value = int(raw, flag);
  if (value < 0) throw new ConfigError(`--${flag} must not be negative, got ${value}`);
  return value;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const durationUnitsMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration with one unit, as etcd's duration flags take them ("100ms", "1s"). */
function durationMs(raw: Raw, flag: ServeFlagName): number {
  const match = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(raw[flag].trim());
  if (match === null) {
    throw new ConfigError(`--${flag} must be a duration such as 100ms or 1s, got "${raw[flag]}"`);
  }
  return Number(match[1]) * durationUnitsMs[match[2]!]!;
}

function urls(raw: Raw, flag: ServeFlagName): URL[] {
  const spec: FlagSpec = serveFlags[flag];
  if (spec.kind !== 'urls') throw new Error(`--${flag} is not a URL list`);
  const list = raw[flag]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new ConfigError(`--${flag} must name at least one URL`);
  return list.map((text) => parseUrl(flag, text));
}

function parseUrl(flag: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `--${flag}: "${text}" is not a URL (expected e.g. http://127.0.0.1:2379)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--${flag}: "${text}" must use http or https`);
  }
  if (url.port === '') throw new ConfigError(`--${flag}: "${text}" must name a port`);
  return url;
}

function parseInitialCluster(text: string): InitialClusterMember[] {
  const byName = new Map<string, string[]>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--initial-cluster: "${part}" is not name=url`);
    const name = part.slice(0, eq);
    const url = stripSlash(parseUrl('initial-cluster', part.slice(eq + 1)).href);
    byName.set(name, [...(byName.get(name) ?? []), url]);
  }
  return [...byName].map(([name, peerUrls]) => ({ name, peerUrls }));
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(',') === [...b].sort().join(',');
}

function stripSlash(href: string): string {
  return href.endsWith('/') ? href.slice(0, -1) : href;
}
