/**
 * A service registry (Curator's ServiceDiscovery, etcd's endpoints manager): instances
 * register themselves with JSON metadata under `<prefix><service>/<instance id>` (prefix
 * `/concord/services/` by default, which the dashboard's Services view shows), attached to
 * their session's lease; clients discover them or watch the live set.
 *
 * The failure detector is the lease: an instance whose process dies stops renewing it, and
 * the cluster deletes its registration when the TTL runs out, so every watcher sees it
 * leave within about one TTL. A clean shutdown deregisters at once.
 *
 * @example
 * // In each instance:
 * const session = await Session.create(client, { ttl: 5 });
 * const registry = new ServiceRegistry(client);
 * await registry.register(session, 'api', 'api-1', { host: '10.0.0.7', port: 8080 });
 *
 * // In a caller:
 * const live = registry.watch<{ host: string; port: number }>('api');
 * live.on('change', () => console.log([...live.instances.values()].map((i) => i.metadata.host)));
 * await live.start();
 */
import { EventEmitter } from 'node:events';
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import type { KeyValue } from '../key-value.js';
import { ConfigWatcher, type ConfigChange } from './config-watcher.js';
import type { Session } from './session.js';

export interface ServiceInstance<Metadata = unknown> {
  readonly service: string;
  readonly id: string;
  readonly metadata: Metadata;
  /** The lease the registration lives on (the instance's session). */
  readonly lease: bigint;
  /** When the instance registered (its key's create revision). */
  readonly registeredAt: number;
}

/** One registration of this process; gone with its session. */
export interface Registration<Metadata = unknown> {
  readonly key: string;
  /** Replaces the metadata (the registration stays on its lease). */
  update(metadata: Metadata, options?: CallOptions): Promise<void>;
  /** Removes the registration now. */
  deregister(options?: CallOptions): Promise<void>;
}

export class ServiceRegistry {
  constructor(
    private readonly client: Client,
    /** Where registrations live (default `/concord/services/`, where the dashboard looks). */
    readonly prefix = '/concord/services/',
  ) {}

  async register<Metadata>(
    session: Session,
    service: string,
    id: string,
    metadata: Metadata,
    options: CallOptions = {},
  ): Promise<Registration<Metadata>> {
    checkName('service', service);
    checkName('instance id', id);
    const key = `${this.prefix}${service}/${id}`;
    await this.client.put(key, JSON.stringify(metadata), { lease: session.id, ...options });
    return {
      key,
      update: async (next, call = {}) => {
        await this.client.put(key, JSON.stringify(next), { lease: session.id, ...call });
      },
      deregister: async (call = {}) => {
        await this.client.delete(key, call);
      },
    };
  }

  /** The instances registered now. */
  async discover<Metadata = unknown>(
    service: string,
    options: CallOptions = {},
  ): Promise<ServiceInstance<Metadata>[]> {
    const dir = `${this.prefix}${service}/`;
    const { kvs } = await this.client.range(dir, { prefix: true, ...options });
    return kvs.map((kv) => instance<Metadata>(service, kv.key.toString().slice(dir.length), kv));
  }

  /** A live set of the service's instances (call start()). */
  watch<Metadata = unknown>(service: string): LiveInstances<Metadata> {
    return new LiveInstances<Metadata>(
      new ConfigWatcher(this.client, `${this.prefix}${service}/`),
      service,
    );
  }
}

interface LiveEvents<Metadata> {
  /** An instance registered, or changed its metadata. */
  up: [ServiceInstance<Metadata>];
  /** An instance deregistered, or its lease expired. */
  down: [string];
  /** Any change (after up or down). */
  change: [];
  error: [Error];
}

/** The healthy instances of one service, kept current (a ConfigWatcher underneath). */
export class LiveInstances<Metadata> extends EventEmitter<LiveEvents<Metadata>> {
  /** By instance id. */
  readonly instances = new Map<string, ServiceInstance<Metadata>>();

  constructor(
    private readonly watcher: ConfigWatcher,
    readonly service: string,
  ) {
    super();
    watcher.on('change', (change) => this.changed(change));
    watcher.on('error', (error) => this.emit('error', error));
  }

  /** Resolves once the set holds every instance registered at the start. */
  async start(): Promise<void> {
    await this.watcher.start();
    for (const [id, kv] of this.watcher.entries()) {
      this.instances.set(id, instance<Metadata>(this.service, id, kv));
    }
    if (this.instances.size > 0) this.emit('change');
  }

  async close(): Promise<void> {
    await this.watcher.close();
  }

  private changed(change: ConfigChange): void {
    if (change.type === 'delete') {
      if (!this.instances.delete(change.key)) return;
      this.emit('down', change.key);
    } else {
      const kv = this.watcher.entry(change.key);
      if (kv === undefined) return;
      const up = instance<Metadata>(this.service, change.key, kv);
      this.instances.set(change.key, up);
      this.emit('up', up);
    }
    this.emit('change');
  }
}

function instance<Metadata>(service: string, id: string, kv: KeyValue): ServiceInstance<Metadata> {
  return {
    service,
    id,
    metadata: JSON.parse(kv.value.toString('utf8')) as Metadata,
    lease: kv.lease,
    registeredAt: kv.createRevision,
  };
}

function checkName(what: string, name: string): void {
  if (name.length === 0 || name.includes('/')) {
    throw new RangeError(`${what} must be non-empty and without '/': ${JSON.stringify(name)}`);
  }
}
