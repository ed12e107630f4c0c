/**
 * A config watcher (an informer, as Kubernetes' client-go calls it): a local cache of every
 * key under a prefix, kept current by a watch, with an event per change.
 *
 * It lists the prefix once, then watches from the revision after the list, so no change
 * between the two is missed. The client's watcher resumes by itself after a member failure
 * (from the next revision: no gap, no duplicate). If the history it needs has been compacted
 * meanwhile, the watcher lists again and reports the difference as ordinary changes, then
 * watches from there ('resync'). So the cache converges to the store's state under the prefix
 * whatever happens, and `revision` says how current it is.
 *
 * A watcher can also resume from a saved cache (`resume`), catching up from its revision.
 *
 * @example
 * const config = new ConfigWatcher(client, 'config/app/');
 * config.on('change', (change) => console.log(change.type, change.key, change.value?.toString()));
 * await config.start();
 * config.get('feature-x')?.toString(); // the value of config/app/feature-x, kept current
 * // ...
 * await config.close();
 */
import { EventEmitter } from 'node:events';
import type { Client } from '../client.js';
import type { KeyValue } from '../key-value.js';
import type { WatchBatch } from '../watch.js';
import { ClosedError } from '../errors.js';

/** One change to the cache. Keys are relative to the prefix. */
export interface ConfigChange {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The new value (undefined for a delete). */
  readonly value: Buffer | undefined;
  /** The value before (undefined if the key is new). */
  readonly previous: Buffer | undefined;
  readonly revision: number;
}

export interface ConfigWatcherOptions {
  /**
   * Start from a saved cache (`entries()` and `revision` of an earlier watcher, say restored
   * from disk) instead of listing: the watch replays every change after `revision` as
   * events, or, if that history has been compacted, the watcher lists and reports the
   * difference ('resync').
   */
  readonly resume?: {
    readonly revision: number;
    readonly entries: Iterable<readonly [string, KeyValue]>;
  };
}

interface ConfigWatcherEvents {
  change: [ConfigChange];
  /** The watch was compacted away and the cache was listed again. */
  resync: [number];
  /** The watcher stopped for good (not after close()). */
  error: [Error];
}

export class ConfigWatcher extends EventEmitter<ConfigWatcherEvents> {
  private readonly cache = new Map<string, KeyValue>();
  private readonly controller = new AbortController();
  private current = 0;
  private running: Promise<void> | undefined;
  private resuming = false;

  constructor(
    private readonly client: Client,
    /** Every key under it is cached, by the rest of its name. */
    readonly prefix: string,
    options: ConfigWatcherOptions = {},
  ) {
    super();
    if (options.resume !== undefined) {
      for (const [key, kv] of options.resume.entries) this.cache.set(key, kv);
      this.current = options.resume.revision;
      this.resuming = true;
    }
  }

  /**
   * Lists the prefix and starts watching; resolves once the cache holds the listed state.
   * Resuming, it starts from the saved cache instead and reports what changed since.
   */
  async start(): Promise<void> {
    if (this.running !== undefined) throw new Error('config watcher already started');
    if (!this.resuming) await this.list(false);
    this.running = this.watchLoop().catch((error: unknown) => {
      if (this.controller.signal.aborted) return;
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** The revision the cache reflects: everything up to it is in. */
  get revision(): number {
    return this.current;
  }

  get(key: string): Buffer | undefined {
    return this.cache.get(key)?.value;
  }

  /** The cached key-value (with its revisions and lease) of `key`, relative to the prefix. */
  entry(key: string): KeyValue | undefined {
    return this.cache.get(key);
  }

  /** The cached key-values (keys relative to the prefix), in key order. */
  entries(): [string, KeyValue][] {
    return [...this.cache.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  get size(): number {
    return this.cache.size;
  }

  /** Stops watching; the cache stays as it was. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async watchLoop(): Promise<void> {
    const signal = this.controller.signal;
    for (;;) {
      const watcher = this.client.watch(this.prefix, {
        prefix: true,
        startRevision: this.current + 1,
        signal,
      });
      try {
        for await (const batch of watcher) this.apply(batch);
        if (signal.aborted) return;
        throw new ClosedError(); // the watcher ends otherwise only when the client closes
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof Error && error.name === 'CompactedError')) throw error;
        await this.list(true);
      } finally {
        await watcher.close();
      }
    }
  }

  /** Replaces the cache with a fresh list; with `report`, the difference becomes changes. */
  private async list(report: boolean): Promise<void> {
    const listed = await this.client.range(this.prefix, {
      prefix: true,
      signal: this.controller.signal,
    });
    const seen = new Set<string>();
    for (const kv of listed.kvs) {
      const key = this.relative(kv.key);
      seen.add(key);
      const before = this.cache.get(key);
      this.cache.set(key, kv);
      if (report && before?.modRevision !== kv.modRevision) {
        this.change('put', key, kv.value, before?.value, listed.revision);
      }
    }
    for (const [key, kv] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      if (report) this.change('delete', key, undefined, kv.value, listed.revision);
    }
    this.current = listed.revision;
    if (report) this.emit('resync', listed.revision);
  }

  private apply(batch: WatchBatch): void {
    for (const event of batch.events) {
      const key = this.relative(event.kv.key);
      const before = this.cache.get(key);
      if (event.type === 'put') {
        this.cache.set(key, event.kv);
        this.change('put', key, event.kv.value, before?.value, event.kv.modRevision);
      } else {
        this.cache.delete(key);
        this.change('delete', key, undefined, before?.value, event.kv.modRevision);
      }
    }
    this.current = Math.max(this.current, batch.revision);
  }

  private change(
    type: ConfigChange['type'],
    key: string,
    value: Buffer | undefined,
    previous: Buffer | undefined,
    revision: number,
  ): void {
    this.emit('change', { type, key, value, previous, revision });
  }

  private relative(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }
}
