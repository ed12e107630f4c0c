/**
 * A watcher: the changes to a key or range, in revision order, delivered as batches (one
 * batch: the events of one watch response; a transaction's events never span batches).
 *
 * Resume without gap or duplicate: the watcher remembers the next revision it needs (one
 * past the last event or progress notification it delivered, or past the revision it was
 * created at). When its stream breaks (the member died, was partitioned, lost its leader)
 * it opens a new one on the next endpoint from exactly that revision, and drops any event
 * below it. If that revision has been compacted meanwhile, the watcher ends with a
 * CompactedError: events were lost and the application must re-read.
 *
 * Each watcher has its own gRPC stream (HTTP/2 multiplexes them on the member's one
 * connection), so one watcher's reconnects never disturb another's.
 *
 * Consume with `for await (const batch of watcher)` or `watcher.on('events', ...)`. Batches
 * are buffered for the iterator only while no 'events' listener is attached; a full buffer
 * pauses the stream (back-pressure), it never drops.
 */
import { EventEmitter } from 'node:events';
import { status, type Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { toBuffer, type Bytes } from './bytes.js';
import type { Connection } from './connection.js';
import { CompactedError, ServerError } from './errors.js';
import { keyValue, type KeyValue } from './key-value.js';
import type { Namespace } from './namespace.js';
import { wireRange, type KeyRange } from './ops.js';
import { int, type WireWatchResponse } from './proto.js';
import { backoffMs, delay } from './retry.js';

export interface WatchOptions extends KeyRange {
  /** The first revision to deliver (default: changes after the watch is created). */
  readonly startRevision?: number;
  readonly prevKv?: boolean;
  /** Ask the server for periodic progress notifications (events 'progress'). */
  readonly progressNotify?: boolean;
  readonly filters?: readonly ('noPut' | 'noDelete')[];
  /** Aborting it closes the watcher. */
  readonly signal?: AbortSignal;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prevKv: KeyValue | undefined;
}

export interface WatchBatch {
  readonly events: WatchEvent[];
  /** The store's revision when the response was sent (>= every event's). */
  readonly revision: number;
}

/** Batches buffered for the iterator before the stream is paused. */
const bufferedBatchesMax = 1024;

interface WatcherEvents {
  events: [WatchBatch];
  progress: [number];
  created: [number];
  reconnect: [string, Error];
  error: [Error];
}

export class Watcher extends EventEmitter<WatcherEvents> implements AsyncIterable<WatchBatch> {
  private next: number;
  private call: ClientDuplexStream<object, WireWatchResponse> | undefined;
  private closedFlag = false;
  private failure: Error | undefined;
  private readonly buffer: WatchBatch[] = [];
  private readonly waiting: (() => void)[] = [];
  private connectedTo = '';
  private readyResolve!: () => void;
  private readyReject!: (error: Error) => void;
  /** Resolves once the server has created the watch (the first time). */
  readonly ready: Promise<void>;

  constructor(
    private readonly connection: Connection,
    private readonly ns: Namespace,
    private readonly key: Buffer,
    private readonly options: WatchOptions,
  ) {
    super();
    this.next = options.startRevision ?? 0;
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    // An already aborted signal never fires 'abort': such a watcher starts closed.
    if (options.signal?.aborted === true) this.closedFlag = true;
    else options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    void this.run();
  }

  /** The next revision this watcher will deliver (0 before the watch was created). */
  get nextRevision(): number {
    return this.next;
  }

  /** The member the watch stream is on now. */
  get endpoint(): string {
    return this.connectedTo;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Asks the server for a progress notification (etcd 3.4+). */
  requestProgress(): void {
    this.call?.write({ progressRequest: {} });
  }

  /** Stops watching; the iterator ends after the batches already buffered. */
  close(): Promise<void> {
    if (!this.closedFlag) {
      this.closedFlag = true;
      this.call?.cancel();
      this.wake();
    }
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    for (;;) {
      const batch = this.buffer.shift();
      if (batch !== undefined) {
        if (this.buffer.length < bufferedBatchesMax / 2) this.call?.resume();
        yield batch;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.closedFlag) return;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closedFlag && !this.connection.closed) {
      const index = this.connection.current;
      let cause: Error;
      try {
        cause = await this.stream(index, () => (attempt = 0));
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (this.closedFlag || this.connection.closed) break;
      this.connection.failover(index);
      attempt += 1;
      this.emit('reconnect', this.connection.endpointName(this.connection.current), cause);
      const options = this.connection.options;
      await delay(
        backoffMs(attempt, options.retryDelayMs * 4, options.retryDelayMaxMs),
        this.connection.closeSignal,
      ).catch(() => undefined);
    }
    this.closedFlag = true;
    this.wake();
  }

  /**
   * One stream: resolves with the cause when it breaks (reconnect), rejects with an error
   * that ends the watcher (compaction, a refusal).
   */
  private async stream(index: number, created: () => void): Promise<Error> {
    let metadata: Metadata;
    try {
      metadata = await this.connection.metadata(this.connection.closeSignal);
    } catch (error) {
      // No token now (the cluster is unreachable): try again later. Wrong credentials end it.
      if (error instanceof ServerError && error.code !== status.INVALID_ARGUMENT) return error;
      throw error;
    }
    // etcd's WithRequireLeader: the member cancels the stream when it loses its leader.
    metadata.set('hasleader', 'true');
    const client = this.connection.client(index, 'Watch') as unknown as {
      Watch(metadata: Metadata): ClientDuplexStream<object, WireWatchResponse>;
    };
    const call = client.Watch(metadata);
    this.call = call;
    if (this.buffer.length >= bufferedBatchesMax) call.pause();
    this.connectedTo = this.connection.endpointName(index);
    return new Promise<Error>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: Error, fatal: boolean): void => {
        if (settled) return;
        settled = true;
        call.cancel();
        if (fatal) reject(outcome);
        else resolve(outcome);
      };
      call.on('data', (response: WireWatchResponse) => {
        if (settled) return;
        const fatal = this.receive(response, created);
        if (fatal === 'reconnect') settle(new Error(response.cancelReason), false);
        else if (fatal !== undefined) settle(fatal, true);
      });
      call.on('error', (error: ServiceError) => {
        if (error.details === 'etcdserver: invalid auth token') this.connection.invalidateToken();
        settle(ServerError.from(error, this.connectedTo), false);
      });
      call.on('end', () => settle(new Error('watch stream ended'), false));
      if (this.closedFlag) return settle(new Error('closed'), false);
      call.write({ createRequest: this.createRequest() });
    });
  }

  private createRequest(): object {
    const filters = (this.options.filters ?? []).map((f) => (f === 'noPut' ? 'NOPUT' : 'NODELETE'));
    return {
      ...wireRange(this.ns, this.key, this.options),
      startRevision: String(this.next),
      progressNotify: this.options.progressNotify ?? false,
      filters,
      prevKv: this.options.prevKv ?? false,
    };
  }

  /** Handles one response; returns an error that ends the watcher, or 'reconnect'. */
  private receive(
    response: WireWatchResponse,
    created: () => void,
  ): Error | 'reconnect' | undefined {
    const revision = int(response.header?.revision);
    if (response.canceled) {
      const compacted = int(response.compactRevision);
      if (compacted > 0) return new CompactedError(compacted);
      if (this.closedFlag) return undefined;
      if (/no leader/.test(response.cancelReason)) return 'reconnect';
      return new Error(`concord client: watch canceled by the server: ${response.cancelReason}`);
    }
    if (response.created) {
      // Without a start revision the watch begins after the revision it was created at.
      if (this.next === 0) this.next = revision + 1;
      created();
      this.readyResolve();
      this.emit('created', revision);
      return undefined;
    }
    if (response.events.length === 0) {
      // A progress notification: every event up to `revision` has been delivered.
      if (revision + 1 > this.next) this.next = revision + 1;
      this.emit('progress', revision);
      return undefined;
    }
    const events: WatchEvent[] = [];
    for (const event of response.events) {
      const kv = keyValue(this.ns.stripKv(event.kv!));
      if (kv.modRevision < this.next) continue; // already delivered before a reconnect
      events.push({
        type: event.type === 'DELETE' ? 'delete' : 'put',
        kv,
        prevKv: event.prevKv === null ? undefined : keyValue(this.ns.stripKv(event.prevKv)),
      });
    }
    if (events.length === 0) return undefined;
    this.next = events[events.length - 1]!.kv.modRevision + 1;
    this.deliver({ events, revision });
    return undefined;
  }

  private deliver(batch: WatchBatch): void {
    if (this.listenerCount('events') > 0) {
      this.emit('events', batch);
      return;
    }
    this.buffer.push(batch);
    if (this.buffer.length >= bufferedBatchesMax) this.call?.pause();
    this.wake();
  }

  private fail(error: Error): void {
    this.failure = error;
    this.closedFlag = true;
    this.readyReject(error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Starts a watcher on `key` (with `options.prefix`, `rangeEnd` or `fromKey`, a range). */
export function watch(
  connection: Connection,
  ns: Namespace,
  key: Bytes,
  options: WatchOptions,
): Watcher {
  return new Watcher(connection, ns, toBuffer(key), options);
}
