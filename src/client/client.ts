/**
 * The client: one object per application (or per identity), holding the connection to the
 * cluster, the KV methods, watchers, and leases. See index.ts for a tour.
 */
import { toBuffer, type Bytes } from './bytes.js';
import { Auth } from './auth.js';
import { Cluster } from './cluster.js';
import { Connection, type CallOptions } from './connection.js';
import type { KeyValue } from './key-value.js';
import { KV, type Txn } from './kv.js';
import { Leases, type GrantOptions, type Lease } from './lease.js';
import { Maintenance } from './maintenance.js';
import { Namespace } from './namespace.js';
import type {
  DeleteOptions,
  DeleteResult,
  GetOptions,
  KeyRange,
  PutOptions,
  PutResult,
  RangeResult,
  TxnResult,
  TxnSpec,
} from './ops.js';
import { resolveOptions, type ClientOptions } from './options.js';
import { watch, type WatchOptions, type Watcher } from './watch.js';

interface Shared {
  readonly connection: Connection;
  readonly ns: Namespace;
  readonly leases: Leases;
  readonly watchers: Set<Watcher>;
}

export class Client {
  /** The connection (endpoints, failover, raw calls), for recipes and tools. */
  readonly connection: Connection;
  readonly kv: KV;
  readonly leases: Leases;
  /** The member list and membership changes. */
  readonly cluster: Cluster;
  /** Status, hashes, alarms, defragmentation. */
  readonly maintenance: Maintenance;
  /** Users, roles and permissions; turning authentication on and off. */
  readonly auth: Auth;
  private readonly ns: Namespace;
  private readonly watchers: Set<Watcher>;

  constructor(options: ClientOptions, shared?: Shared) {
    if (shared === undefined) {
      const resolved = resolveOptions(options);
      this.connection = new Connection(resolved);
      this.ns = new Namespace(resolved.namespace);
      this.leases = new Leases(this.connection);
      this.watchers = new Set();
    } else {
      ({ connection: this.connection, ns: this.ns, leases: this.leases } = shared);
      this.watchers = shared.watchers;
    }
    this.kv = new KV(this.connection, this.ns);
    this.cluster = new Cluster(this.connection);
    this.maintenance = new Maintenance(this.connection);
    this.auth = new Auth(this.connection);
  }

  /**
   * A client on the same connection whose keys all live under `prefix` (inside this one's
   * namespace). Closing either closes both.
   */
  namespace(prefix: Bytes): Client {
    const ns = new Namespace(Buffer.concat([this.ns.prefix, toBuffer(prefix)]));
    const { connection, leases, watchers } = this;
    return new Client({ endpoints: [] }, { connection, ns, leases, watchers });
  }

  /** The namespace prefix (empty: the whole keyspace). */
  get prefix(): Buffer {
    return this.ns.prefix;
  }

  get(
    key: Bytes,
    options?: Omit<GetOptions, keyof KeyRange> & CallOptions,
  ): Promise<KeyValue | undefined> {
    return this.kv.get(key, options);
  }
  getString(key: Bytes, options?: CallOptions): Promise<string | undefined> {
    return this.kv.getString(key, options);
  }
  range(key: Bytes, options?: GetOptions & CallOptions): Promise<RangeResult> {
    return this.kv.range(key, options);
  }
  put(key: Bytes, value: Bytes, options?: PutOptions & CallOptions): Promise<PutResult> {
    return this.kv.put(key, value, options);
  }
  delete(key: Bytes, options?: DeleteOptions & CallOptions): Promise<DeleteResult> {
    return this.kv.delete(key, options);
  }
  compact(revision: number, options?: { physical?: boolean } & CallOptions): Promise<number> {
    return this.kv.compact(revision, options);
  }
  txn(): Txn {
    return this.kv.txn();
  }
  commit(spec: TxnSpec, options?: CallOptions): Promise<TxnResult> {
    return this.kv.commit(spec, options);
  }

  /** Watches a key or range (see Watcher); close it, or the client, when done. */
  watch(key: Bytes, options: WatchOptions = {}): Watcher {
    const watcher = watch(this.connection, this.ns, key, options);
    for (const w of this.watchers) if (w.closed) this.watchers.delete(w);
    this.watchers.add(watcher);
    return watcher;
  }

  /** Grants a lease, kept alive by default (see Lease). */
  grant(ttlSeconds: number, options?: GrantOptions): Promise<Lease> {
    return this.leases.grant(ttlSeconds, options);
  }

  /** Stops every watcher and keep-alive (leases are left to expire), and closes the channels. */
  close(): void {
    for (const watcher of this.watchers) void watcher.close();
    this.watchers.clear();
    this.leases.close();
    this.connection.close();
  }
}
