import { limits } from '../base/limits.js';
import { busyPollWindowUsDefault } from '../server/http2/busy-poll.js';

/** How a flag's text becomes a value. */
export type FlagKind = 'string' | 'urls' | 'int' | 'bool' | 'bytes';

export interface FlagSpec {
  readonly kind: FlagKind;
  /** The default, as text (the same text a user would type). */
  readonly default: string;
  readonly help: string;
}

/**
 * The flags of `concord serve`, named as etcd names them (DESIGN.md: a script that starts etcd
 * starts Concord by swapping the binary). Each is also read from CONCORD_<NAME> (upper case,
 * dashes as underscores) and from a YAML config file (`--config-file`) with the same keys.
 * Precedence: flag, then environment, then config file, then default.
 */
export const serveFlags = {
  name: { kind: 'string', default: 'default', help: "this member's human-readable name" },
  'data-dir': {
    kind: 'string',
    default: '',
    help: 'where the WAL, snapshots and database live (default: ./<name>.concord)',
  },
  'listen-client-urls': {
    kind: 'urls',
    default: 'http://127.0.0.1:2379',
    help: 'URLs to serve clients (the etcd v3 gRPC API) on',
  },
  'advertise-client-urls': {
    kind: 'urls',
    default: 'http://127.0.0.1:2379',
    help: 'client URLs this member tells the cluster about',
  },
  'listen-peer-urls': {
    kind: 'urls',
    default: 'http://127.0.0.1:2380',
    help: 'URLs to serve other members on',
  },
  'initial-advertise-peer-urls': {
    kind: 'urls',
    default: 'http://127.0.0.1:2380',
    help: 'peer URLs this member tells the cluster about',
  },
  'initial-cluster': {
    kind: 'string',
    default: '',
    help: 'the initial members, name=peer-url,... (default: <name>=<initial-advertise-peer-urls>)',
  },
  'initial-cluster-state': {
    kind: 'string',
    default: 'new',
    help: "'new' to create a cluster, 'existing' to join one",
  },
  'initial-cluster-token': {
    kind: 'string',
    default: 'etcd-cluster',
    help: 'a token unique to this cluster, so two clusters never mix',
  },
  'cert-file': { kind: 'string', default: '', help: 'client TLS certificate (PEM) for https://' },
  'key-file': { kind: 'string', default: '', help: 'client TLS key (PEM) for --cert-file' },
  'trusted-ca-file': {
    kind: 'string',
    default: '',
    help: 'CA (PEM) that signs client certificates; clients must present one',
  },
  'client-cert-auth': {
    kind: 'bool',
    default: 'false',
    help: 'clients must present a certificate signed by --trusted-ca-file (its CN names the user)',
  },
  'auto-tls': {
    kind: 'bool',
    default: 'false',
    help: 'client TLS with a self-signed certificate (<data-dir>/fixtures/client), for development',
  },
  'peer-cert-file': { kind: 'string', default: '', help: 'peer TLS certificate (PEM)' },
  'peer-key-file': { kind: 'string', default: '', help: 'peer TLS key (PEM)' },
  'peer-trusted-ca-file': {
    kind: 'string',
    default: '',
    help: 'CA (PEM) for peer certificates: peers must present one, dialed peers are verified',
  },
  'peer-client-cert-auth': {
    kind: 'bool',
    default: 'false',
    help: 'peers must present a certificate signed by --peer-trusted-ca-file; no plain-text peers',
  },
  'peer-auto-tls': {
    kind: 'bool',
    default: 'false',
    help: 'peer TLS with a self-signed certificate (<data-dir>/fixtures/peer), for development',
  },
  'heartbeat-interval': { kind: 'int', default: '100', help: 'milliseconds between heartbeats' },
  'election-timeout': {
    kind: 'int',
    default: '1000',
    help: 'milliseconds before a follower campaigns',
  },
  'snapshot-count': {
    kind: 'int',
    default: '100000',
    help: 'applied entries between snapshots (which let the WAL be purged)',
  },
  'experimental-snapshot-catchup-entries': {
    kind: 'int',
    default: '5000',
    help: 'entries the leader keeps behind a snapshot for slow followers (fewer: they get a snapshot sooner)',
  },
  'quota-backend-bytes': {
    kind: 'bytes',
    default: String(limits.quotaBackendBytes),
    help: 'database size at which writes are refused with a NOSPACE alarm',
  },
  'max-request-bytes': {
    kind: 'bytes',
    default: String(limits.requestBytesMax),
    help: 'largest client request accepted',
  },
  'max-txn-ops': {
    kind: 'int',
    default: String(limits.txnOpsMax),
    help: 'operations in one Txn, at most',
  },
  'max-concurrent-streams': {
    kind: 'int',
    default: String(limits.concurrentStreamsMax),
    help: 'HTTP/2 streams (gRPC calls) one client connection may have open at once',
  },
  'max-connections': {
    kind: 'int',
    default: String(limits.connectionsMax),
    help: 'client connections at once; more are closed as they arrive (Concord)',
  },
  'max-watchers-per-stream': {
    kind: 'int',
    default: String(limits.watchersPerStreamMax),
    help: "watchers on one Watch stream; more are canceled with 'etcdserver: too many requests' (Concord)",
  },
  'max-leases': {
    kind: 'int',
    default: String(limits.leasesMax),
    help: "leases at once; LeaseGrant past it answers 'etcdserver: too many requests' (Concord)",
  },
  'max-waiting-calls': {
    kind: 'int',
    default: String(limits.waitingCallsMax),
    help: "Lock, Campaign and Observe calls waiting at once; more answer 'etcdserver: too many requests' (Concord)",
  },
  'busy-poll-us': {
    kind: 'int',
    default: String(busyPollWindowUsDefault),
    help: 'µs the event loop keeps polling after answering a call instead of sleeping, for a client that sends its next request at once; 0 turns it off (Concord)',
  },
  'auth-token': {
    kind: 'string',
    default: 'simple',
    help: "'simple' or 'jwt,pub-key=<file>,priv-key=<file>,sign-method=<RS256|ES256|HS256|...>[,ttl=5m]'",
  },
  'auth-token-ttl': {
    kind: 'int',
    default: '300',
    help: 'seconds a simple token lives without use',
  },
  'bcrypt-cost': {
    kind: 'int',
    default: '10',
    help: 'password hash cost, 4..31 (scrypt with N = 2^(cost+4), at most 2^17)',
  },
  'auto-compaction-mode': {
    kind: 'string',
    default: 'periodic',
    help: "'periodic' (retention is a duration) or 'revision' (retention is a count)",
  },
  'auto-compaction-retention': {
    kind: 'string',
    default: '0',
    help: 'history to keep: e.g. 1h or 72 (hours) for periodic, 1000 for revision; 0 disables',
  },
  'log-level': { kind: 'string', default: 'info', help: 'debug, info, warn or error' },
  'log-outputs': {
    kind: 'string',
    default: 'stderr',
    help: "where JSON log lines go: 'stderr', 'stdout' or file paths, comma-separated",
  },
  'listen-metrics-urls': {
    kind: 'urls',
    default: '',
    help: 'extra plain-HTTP URLs serving only /metrics and the health probes (none by default)',
  },
  'warning-apply-duration': {
    kind: 'string',
    default: '100ms',
    help: "an apply or request slower than this is logged ('apply request took too long') and counted",
  },
  'config-file': { kind: 'string', default: '', help: 'a YAML file with any of these keys' },
} as const satisfies Record<string, FlagSpec>;

export type ServeFlagName = keyof typeof serveFlags;

/** CONCORD_DATA_DIR for data-dir. */
export function envName(flag: string): string {
  return `CONCORD_${flag.toUpperCase().replace(/-/g, '_')}`;
}
