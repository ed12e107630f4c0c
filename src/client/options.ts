/**
 * The client's options, their defaults, and validation that names the option at fault.
 */

export interface TlsOptions {
  /** PEM: the CA that signed the members' certificates (default: the system's roots). */
  readonly ca?: Buffer | string;
  /** PEM: this client's certificate and key, for servers with --client-cert-auth. */
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
}

export interface AuthOptions {
  readonly username: string;
  readonly password: string;
}

export interface ClientOptions {
  /**
   * Members to talk to: `host:port`, `http://host:port` or `https://host:port` (https, or a
   * `tls` option, means TLS). The client uses one at a time and moves to the next when it is
   * unavailable or has no leader.
   */
  readonly endpoints: readonly string[];
  /** Every key is read and written under this prefix, which answers never show. */
  readonly namespace?: string | Uint8Array;
  readonly tls?: TlsOptions;
  /** etcd's auth: the client authenticates and sends the token with every call. */
  readonly auth?: AuthOptions;
  /** The deadline of a call, all retries included, unless the call gives its own (default 15000). */
  readonly requestTimeoutMs?: number;
  /**
   * The longest one attempt may take before the call moves to the next endpoint (default
   * 5000): a member that hangs must not hold a call for its whole deadline.
   */
  readonly attemptTimeoutMs?: number;
  /** The first retry's delay; it doubles per attempt up to `retryDelayMaxMs` (default 25). */
  readonly retryDelayMs?: number;
  readonly retryDelayMaxMs?: number;
  /**
   * Tag writes (Put, DeleteRange, Txn) with a request identity (`concord-client-id`,
   * `concord-request-seq`) so that Concord applies a retried write at most once, and retry
   * them on transient failures. 'auto' (default): ask the cluster once, before the first
   * write, whether it honours identities (Concord refuses a malformed one; etcd ignores
   * them), and use them only if it does. Without identities a write is retried only when it
   * cannot have been applied (no connection, or no leader), as etcd's own client does.
   */
  readonly requestIdentity?: boolean | 'auto';
  /** Writes in flight at once, each under its own identity (default 16). */
  readonly writesInflightMax?: number;
}

export interface ResolvedOptions {
  readonly endpoints: readonly Endpoint[];
  readonly namespace: Buffer;
  readonly tls: TlsOptions | undefined;
  readonly auth: AuthOptions | undefined;
  readonly requestTimeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly retryDelayMaxMs: number;
  readonly requestIdentity: boolean | 'auto';
  readonly writesInflightMax: number;
}

export interface Endpoint {
  /** host:port, as gRPC dials it. */
  readonly address: string;
  readonly secure: boolean;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (options.endpoints.length === 0) throw new TypeError('concord client: endpoints is empty');
  const endpoints = options.endpoints.map((e) => parseEndpoint(e, options.tls !== undefined));
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0) {
      throw new TypeError(`concord client: ${name} must be a positive number (got ${v})`);
    }
    return v;
  };
  const ns = options.namespace ?? '';
  return {
    endpoints,
    namespace: typeof ns === 'string' ? Buffer.from(ns, 'utf8') : Buffer.from(ns),
    tls: options.tls,
    auth: options.auth,
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 15_000),
    attemptTimeoutMs: positive('attemptTimeoutMs', options.attemptTimeoutMs, 5_000),
    retryDelayMs: positive('retryDelayMs', options.retryDelayMs, 25),
    retryDelayMaxMs: positive('retryDelayMaxMs', options.retryDelayMaxMs, 1_000),
    requestIdentity: options.requestIdentity ?? 'auto',
    writesInflightMax: Math.floor(positive('writesInflightMax', options.writesInflightMax, 16)),
  };
}

function parseEndpoint(text: string, tls: boolean): Endpoint {
  const match = /^(?:(https?):\/\/)?([^/]+?)\/?$/.exec(text.trim());
  if (match === null) throw new TypeError(`concord client: bad endpoint ${JSON.stringify(text)}`);
  return { address: match[2]!, secure: match[1] === 'https' || tls };
}
