/**
 * One Watch stream: any number of watchers multiplexed on one bidirectional call, with etcd's
 * rules (server/etcdserver/api/v3rpc/watch.go):
 *
 * - create: watch_id 0 lets the server pick the lowest free ID from a counter; a client ID
 *   already in use, an empty range or a negative start revision answer created + canceled
 *   with watch_id -1 and etcd's reason. The created response is queued before the member
 *   registers the watcher, so it precedes the watcher's first events.
 * - cancel: answered with canceled = true; an unknown ID is ignored.
 * - progress request: if every watcher is synced, one response with watch_id -1 and the
 *   revision all of them have reached; otherwise nothing (etcd's RequestProgressAll).
 * - progress_notify: every interval, a synced watcher that got no events since the last tick
 *   gets an empty response at its revision.
 * - fragment: large responses are split (./watch-fragment.ts).
 * - events: each response is encoded by hand from events encoded once for all watchers, and
 *   while it waits in the outbox (a slow reader) the watcher's later revisions join it
 *   (./watch-batch.ts); the outbox hands a revision's responses to HTTP/2 in one write.
 *
 * Ownership: the stream owns its watchers' handles and cancels them all when the client goes
 * away or the server shuts down. A client that half-closes (ends its requests) keeps
 * receiving, as with etcd.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { isConcordError } from '../../base/errors.js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { Event } from '../../mvcc/types.js';
import type { WatchHandle, WatchSink } from '../../node/api.js';
import { asCaller } from '../auth/guard.js';
import { toWireHeader } from '../convert/header.js';
import { int64ToNumber, numberToInt64 } from '../convert/int64.js';
import { toWireEvent } from '../convert/key-value.js';
import { fromWireWatchCreate, isEmptyWatchRange } from '../convert/watch.js';
import { errorTable } from '../errors.js';
import { grpcOverheadBytes } from '../options.js';
import type { ResolvedOptions } from '../options.js';
import { codeStatus } from '../status.js';
import type { PreEncoded } from '../wire/pre-encoded.js';
import type { WatchCreateRequestIn, WatchRequestIn, WatchResponseOut } from '../wire/watch.js';
import { watchIdField } from '../wire/watch-encoder.js';
import { writeQueuedTogether } from './parallel-writes.js';
import { EventBatch } from './watch-batch.js';
import { Outbox } from './watch-outbox.js';
import { fragmentWatchResponse } from './watch-fragment.js';
import { autoWatchId, invalidWatchId, watchMessages } from './watch-messages.js';
import type { OpenStream, StreamRegistry } from './stream-registry.js';

/** Event responses go out encoded by hand (./watch-batch.ts), the others as message objects. */
export type WatchCall = ServerDuplexStream<WatchRequestIn, WatchResponseOut | PreEncoded>;

interface Watcher {
  readonly id: string;
  /** `id` as an encoded watch_id field, for its event responses. */
  readonly watchIdField: Buffer;
  /** Its last event response queued; later revisions join it while it waits in the outbox. */
  batch: EventBatch | undefined;
  /** Unset until the member's watch() returns (it may deliver events before it does). */
  handle: WatchHandle | undefined;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  /** No events were sent since the last progress tick, so a notification is due. */
  progressDue: boolean;
}

/**
 * Each committed event, converted once however many watchers it goes to: the hub hands every
 * watcher of a revision the same Event objects (immutable), and converting them again per
 * watcher was most of a fan-out's conversion cost.
 */
const wireEvents = new WeakMap<Event, ReturnType<typeof toWireEvent>>();

function wireEvent(event: Event): ReturnType<typeof toWireEvent> {
  let wire = wireEvents.get(event);
  if (wire === undefined) wireEvents.set(event, (wire = toWireEvent(event)));
  return wire;
}

export class WatchStream implements OpenStream {
  private readonly watchers = new Map<string, Watcher>();
  private readonly outbox: Outbox<WatchResponseOut | EventBatch>;
  /** Control responses queued so far: an event batch queued before one takes no more events. */
  private controlSeq = 0;
  /** The next server-picked ID to try (etcd's nextID); IDs in use are skipped, never shared. */
  private nextId = 0n;
  private progressTimer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly call: WatchCall,
    private readonly options: ResolvedOptions,
    private readonly streams: StreamRegistry,
    /** Who the stream speaks for, resolved on each use (the auth guard's; none without it). */
    private readonly caller?: () => AuthInfo,
  ) {
    const writable = {
      write: (entry: WatchResponseOut | EventBatch) =>
        call.write(entry instanceof EventBatch ? entry.encode() : entry),
      once: (event: 'drain', listener: () => void) => call.once(event, listener),
      cork: () => call.cork(),
      uncork: () => call.uncork(),
    };
    this.outbox = new Outbox(writable, options.watchQueueResponsesMax, () => this.roomAgain());
    // Responses to many watchers queue behind each other: hand them to HTTP/2 together.
    writeQueuedTogether(call);
  }

  start(): void {
    if (!this.streams.add(this)) {
      this.call.emit('error', codeStatus('Stopped'));
      return;
    }
    this.call.on('data', (request: WatchRequestIn) => this.receive(request));
    this.call.on('cancelled', () => this.finish());
    this.call.on('error', () => this.finish());
  }

  shutdown(): void {
    if (this.finished) return;
    this.finish();
    this.call.emit('error', codeStatus('Stopped'));
  }

  /**
   * The outbox has room again: read requests again, and have the member deliver the events it
   * held back for this stream's watchers now. Waiting for its periodic catch-up step instead
   * (every 50 ms, much later under load) held a slow reader's events back for up to seconds.
   */
  private roomAgain(): void {
    this.call.resume();
    for (const watcher of this.watchers.values()) watcher.handle?.resume?.();
  }

  private receive(request: WatchRequestIn): void {
    if (this.finished) return;
    switch (request.requestUnion) {
      case 'createRequest':
        if (request.createRequest !== undefined) this.create(request.createRequest);
        break;
      case 'cancelRequest':
        if (request.cancelRequest !== undefined) this.cancel(request.cancelRequest.watchId);
        break;
      case 'progressRequest':
        this.progressAll();
        break;
      default:
        // etcd ignores a request it does not understand rather than ending the stream.
        break;
    }
    // Stop reading while responses pile up: control responses are bounded this way.
    if (this.outbox.full) {
      this.outbox.tryReserve();
      this.call.pause();
    }
  }

  private create(wire: WatchCreateRequestIn): void {
    const api = this.options.api;
    // --max-watchers-per-stream: each watcher holds memory in the member; a client that
    // creates them without end is refused as etcd refuses a create (created and canceled).
    if (this.watchers.size >= this.options.limits.watchersPerStreamMax) {
      return this.refuse(errorTable.TooManyRequests.message);
    }
    if (int64ToNumber(wire.startRevision) < 0) return this.refuse(watchMessages.compacted);
    const create = fromWireWatchCreate(wire);
    if (isEmptyWatchRange(create)) return this.refuse(watchMessages.emptyRange);
    let id = wire.watchId;
    if (id === autoWatchId) {
      while (this.watchers.has(this.nextId.toString())) this.nextId++;
      id = this.nextId.toString();
      this.nextId++;
    } else if (this.watchers.has(id)) {
      return this.refuse(watchMessages.duplicateId);
    }
    const watcher: Watcher = {
      id,
      watchIdField: watchIdField(id),
      batch: undefined,
      handle: undefined,
      progressNotify: wire.progressNotify,
      fragment: wire.fragment,
      progressDue: true,
    };
    this.watchers.set(id, watcher);
    this.pushControl({ header: toWireHeader(api.header()), watchId: id, created: true });
    let handle: WatchHandle;
    try {
      // authorizingApi checks READ on the range as the caller, before watch() returns.
      handle = asCaller(this.caller, () => api.watch(create, this.sink(watcher)));
    } catch (error) {
      if (!isConcordError(error)) throw error;
      this.ended(watcher, { message: errorTable[error.code].message });
      return;
    }
    if (this.watchers.get(id) === watcher) watcher.handle = handle;
    if (watcher.progressNotify) this.startProgressTimer();
  }

  /** etcd's answer to a create it refuses: created and canceled at once, watch_id -1. */
  private refuse(reason: string): void {
    this.pushControl({
      header: toWireHeader(this.options.api.header()),
      watchId: invalidWatchId,
      created: true,
      canceled: true,
      cancelReason: reason,
    });
  }

  private sink(watcher: Watcher): WatchSink {
    return {
      events: (events, revision) => this.deliver(watcher, events, revision),
      canceled: (reason) => this.ended(watcher, reason),
    };
  }

  private deliver(watcher: Watcher, events: readonly Event[], revision: number): boolean {
    // A canceled watcher's late events are dropped; its client has been told it ended.
    if (this.watchers.get(watcher.id) !== watcher || events.length === 0) return true;
    if (watcher.fragment) return this.deliverFragments(watcher, events, revision);
    const header = this.options.api.header();
    if (watcher.batch?.join(this.controlSeq, header, revision, events) !== true) {
      if (!this.outbox.tryReserve()) return false;
      const batch = new EventBatch(watcher.watchIdField, this.controlSeq, header, revision, events);
      watcher.batch = batch;
      this.outbox.push(batch);
    }
    watcher.progressDue = false;
    return true;
  }

  /** A watcher that asked for fragments: its response, split if large, one part per message. */
  private deliverFragments(watcher: Watcher, events: readonly Event[], revision: number): boolean {
    if (!this.outbox.tryReserve()) return false;
    const response: WatchResponseOut = {
      header: toWireHeader(this.options.api.header(), revision),
      watchId: watcher.id,
      events: events.map(wireEvent),
    };
    const maxBytes = this.options.limits.requestBytesMax + grpcOverheadBytes;
    for (const part of fragmentWatchResponse(response, maxBytes)) this.outbox.push(part);
    watcher.progressDue = false;
    return true;
  }

  /** Queues a response other than events; event batches queued before it are closed. */
  private pushControl(response: WatchResponseOut): void {
    this.controlSeq++;
    this.outbox.push(response);
  }

  /** The member ended the watcher: compacted start revision, or the member stopping. */
  private ended(
    watcher: Watcher,
    reason: { readonly compactRevision?: number; readonly message: string },
  ): void {
    if (this.watchers.get(watcher.id) !== watcher) return;
    this.watchers.delete(watcher.id);
    const header = toWireHeader(this.options.api.header());
    // etcd sends a compaction cancel with compact_revision and no reason; clients derive
    // "required revision has been compacted" from compact_revision.
    this.pushControl(
      reason.compactRevision === undefined
        ? { header, watchId: watcher.id, canceled: true, cancelReason: reason.message }
        : {
            header,
            watchId: watcher.id,
            canceled: true,
            compactRevision: numberToInt64(reason.compactRevision),
          },
    );
  }

  private cancel(id: string): void {
    const watcher = this.watchers.get(id);
    if (watcher === undefined) return;
    this.watchers.delete(id);
    watcher.handle?.cancel();
    this.pushControl({
      header: toWireHeader(this.options.api.header()),
      watchId: id,
      canceled: true,
    });
  }

  private progressAll(): void {
    if (this.watchers.size === 0) return;
    let revision = Number.MAX_SAFE_INTEGER;
    for (const { handle } of this.watchers.values()) {
      if (handle === undefined || !handle.synced()) return;
      revision = Math.min(revision, handle.progressRevision());
    }
    this.pushControl({
      header: toWireHeader(this.options.api.header(), revision),
      watchId: invalidWatchId,
    });
  }

  private startProgressTimer(): void {
    if (this.progressTimer !== undefined) return;
    const interval = this.options.watchProgressNotifyIntervalMs;
    // etcd's jitter: up to a tenth more, so streams opened together do not report together.
    const jitter = Math.floor(Math.random() * (interval / 10));
    this.progressTimer = setInterval(() => this.progressTick(), interval + jitter);
  }

  private progressTick(): void {
    for (const watcher of this.watchers.values()) {
      if (!watcher.progressNotify) continue;
      const handle = watcher.handle;
      if (watcher.progressDue && handle?.synced() === true && !this.outbox.full) {
        this.pushControl({
          header: toWireHeader(this.options.api.header(), handle.progressRevision()),
          watchId: watcher.id,
        });
      }
      watcher.progressDue = true;
    }
  }

  /** Cancels every watcher and drops what was queued; safe to call more than once. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.progressTimer);
    this.outbox.close();
    for (const watcher of this.watchers.values()) watcher.handle?.cancel();
    this.watchers.clear();
    this.streams.delete(this);
  }
}
