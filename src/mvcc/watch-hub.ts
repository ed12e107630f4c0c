/**
 * The watch hub (etcd's watchableStore): watchers on a key or a range, from a start revision.
 *
 * - A watcher is *synced* when it has been sent (or buffered) every event up to the current
 *   revision: each committed revision's events go straight to its sink, one response per
 *   revision, so a txn's events arrive together and in order.
 * - A watcher is *unsynced* when it is behind: it started in the past, or it fell too far
 *   behind a slow consumer. `syncWatchers(limit)`, which the driver calls (no timers here),
 *   catches unsynced watchers up from the backend's `key` bucket in bounded batches (about
 *   `limit` stored changes, never splitting a revision), without holding up anyone else;
 *   a caught-up watcher moves to synced.
 * - A sink returns false when its consumer cannot take a response now. The hub keeps that
 *   response and the ones after it in a per-watcher buffer of at most
 *   `watcherPendingEventsMax` events, and retries in syncWatchers; past the bound it drops
 *   the buffer and the watcher becomes unsynced, to be caught up from the backend later.
 *   So the hub's memory per watcher is bounded, and nothing is lost while history lasts.
 * - If the revisions a watcher needs were compacted, it gets one response with
 *   `compactRevision` set and is canceled (the server sends etcd's compact_revision).
 */
import { assert } from '../base/assert.js';
import { inKeyRange, keyRange, type KeyRange } from './key-range.js';
import { decodeKeyValue } from './kv-codec.js';
import type { KvStore } from './kv-store.js';
import { bytesToRevision, mainRevisionBytes } from './revision.js';
import type { Event } from './types.js';
import { WatcherGroup } from './watcher-group.js';

export interface WatchResponse {
  readonly watchId: number;
  readonly events: readonly Event[];
  /** Every event of this watcher up to this revision has now been sent. */
  readonly revision: number;
  /** Set (with no events) when the watcher is canceled because its history was compacted. */
  readonly compactRevision?: number;
}

/** Delivers a response; returns false, without taking it, when the consumer is full. */
export type WatchSink = (response: WatchResponse) => boolean;

export interface WatchRequest {
  readonly key: Uint8Array;
  /** As in Range: empty for one key, "\0" for every key >= key, else [key, rangeEnd). */
  readonly rangeEnd?: Uint8Array;
  /** The first revision to report; 0 or absent: from the next one. */
  readonly startRevision?: number;
  readonly noPut?: boolean;
  readonly noDelete?: boolean;
  readonly prevKv?: boolean;
  readonly sink: WatchSink;
}

export interface WatchHubOptions {
  /** Events buffered per watcher whose sink is full before it falls back to catch-up. */
  readonly watcherPendingEventsMax?: number;
}

interface Watcher {
  readonly id: number;
  readonly range: KeyRange;
  readonly request: WatchRequest;
  /** The first revision not yet handed to the sink (while unsynced or buffering). */
  minRev: number;
  pending: WatchResponse[];
  pendingEvents: number;
}

export class WatchHub {
  private nextId = 1;
  private readonly watchers = new Map<number, Watcher>();
  private readonly synced = new WatcherGroup<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  /** Synced watchers with a non-empty pending buffer. */
  private readonly blocked = new Set<Watcher>();
  private readonly pendingEventsMax: number;
  private notified = 0;

  constructor(
    private store: KvStore,
    options: WatchHubOptions = {},
  ) {
    this.pendingEventsMax = options.watcherPendingEventsMax ?? 1024;
    assert(this.pendingEventsMax > 0, 'watcherPendingEventsMax must be positive');
  }

  /** Starts a watcher; returns its ID. A past start revision makes it unsynced. */
  watch(request: WatchRequest): number {
    const id = this.nextId++;
    const current = this.store.currentRevision;
    const start = request.startRevision ?? 0;
    const w: Watcher = {
      id,
      range: keyRange(request.key, request.rangeEnd),
      request,
      minRev: start === 0 || start > current ? Math.max(start, current + 1) : start,
      pending: [],
      pendingEvents: 0,
    };
    this.watchers.set(id, w);
    if (w.minRev > current) this.synced.add(w);
    else this.unsynced.add(w);
    return id;
  }

  cancel(id: number): boolean {
    const w = this.watchers.get(id);
    if (w === undefined) return false;
    this.watchers.delete(id);
    this.synced.delete(w);
    this.unsynced.delete(w);
    this.blocked.delete(w);
    return true;
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Watchers that still need syncWatchers: behind, or holding undelivered responses. */
  get behind(): number {
    return this.unsynced.size + this.blocked.size;
  }

  /**
   * The revision up to which watcher `id` has been sent everything (for progress
   * notifications); undefined for an unknown watcher.
   */
  progress(id: number): number | undefined {
    const w = this.watchers.get(id);
    if (w === undefined) return undefined;
    if (this.unsynced.has(w) || w.pending.length > 0) return w.minRev - 1;
    return this.store.currentRevision;
  }

  /** Delivers one committed revision's events (a whole txn) to the synced watchers. */
  notify(revision: number, events: readonly Event[]): void {
    // A batch of applies notifies after its one backend commit, so `revision` may trail the
    // current one, but revisions arrive in order.
    assert(
      revision > this.notified && revision <= this.store.currentRevision,
      () =>
        `notify of revision ${revision} after ${this.notified}, current ${this.store.currentRevision}`,
    );
    this.notified = revision;
    const batches = new Map<Watcher, Event[]>();
    for (const event of events) {
      this.synced.matching(event.kv.key, (w) => {
        if (w.minRev > revision || !wants(w, event)) return;
        let batch = batches.get(w);
        if (batch === undefined) batches.set(w, (batch = []));
        batch.push(event);
      });
    }
    for (const [w, batch] of batches) this.deliver(w, revision, batch);
  }

  /**
   * One round of catch-up: flushes buffered responses, cancels watchers whose history is
   * compacted, and sends unsynced watchers the next batch of about `limit` stored changes
   * from the backend. Returns how many watchers are still behind.
   */
  syncWatchers(limit: number): number {
    assert(limit > 0, 'syncWatchers limit must be positive');
    for (const w of this.blocked) this.flush(w);
    if (this.unsynced.size === 0) return this.behind;

    const current = this.store.currentRevision;
    const compacted = this.store.compactRevision;
    let minRev = Infinity;
    for (const w of [...this.unsynced]) {
      if (w.minRev < compacted) {
        const canceled = {
          watchId: w.id,
          events: [],
          revision: current,
          compactRevision: compacted,
        };
        if (w.request.sink(canceled)) this.cancel(w.id);
        continue;
      }
      minRev = Math.min(minRev, w.minRev);
    }
    if (minRev === Infinity) return this.behind;

    const { events, lastRevision } = this.readHistory(minRev, current, limit);
    for (const w of [...this.unsynced]) {
      if (w.minRev > lastRevision) continue;
      const batch = events.filter(
        (e) => e.kv.modRevision >= w.minRev && inRange(w, e) && wants(w, e),
      );
      if (batch.length > 0) {
        const response = { watchId: w.id, events: this.withPrev(w, batch), revision: lastRevision };
        if (!w.request.sink(response)) continue; // still full: retry next round
      }
      w.minRev = lastRevision + 1;
      if (w.minRev > current) {
        this.unsynced.delete(w);
        this.synced.add(w);
      }
    }
    return this.behind;
  }

  /**
   * After a snapshot replaced the store: every watcher becomes unsynced from where it was
   * and catches up from the new backend (or is canceled if that history is compacted).
   */
  restore(store: KvStore): void {
    for (const w of this.watchers.values()) {
      const progress = this.progress(w.id)!;
      w.minRev = Math.max(w.minRev, progress + 1);
      w.pending = [];
      w.pendingEvents = 0;
      this.synced.delete(w);
      this.blocked.delete(w);
      if (w.minRev > store.currentRevision) this.synced.add(w);
      else this.unsynced.add(w);
    }
    this.store = store;
    this.notified = 0;
  }

  private deliver(w: Watcher, revision: number, batch: Event[]): void {
    const response = { watchId: w.id, events: this.withPrev(w, batch), revision };
    if (w.pending.length === 0) {
      if (w.request.sink(response)) {
        w.minRev = revision + 1;
        return;
      }
      w.minRev = revision; // everything before was delivered or did not match
    }
    if (w.pendingEvents + batch.length <= this.pendingEventsMax) {
      w.pending.push(response);
      w.pendingEvents += batch.length;
      this.blocked.add(w);
      return;
    }
    // Over the bound: forget the buffer; the backend still has it all (until compacted).
    w.pending = [];
    w.pendingEvents = 0;
    this.blocked.delete(w);
    this.synced.delete(w);
    this.unsynced.add(w);
  }

  private flush(w: Watcher): void {
    while (w.pending.length > 0) {
      const head = w.pending[0]!;
      if (!w.request.sink(head)) return;
      w.pending.shift();
      w.pendingEvents -= head.events.length;
      w.minRev = head.revision + 1;
    }
    this.blocked.delete(w);
  }

  /**
   * Stored changes from revision `from` on, about `limit` of them but always whole
   * revisions, as events; `lastRevision` is the last revision the batch fully covers.
   */
  private readHistory(
    from: number,
    current: number,
    limit: number,
  ): { events: Event[]; lastRevision: number } {
    const events: Event[] = [];
    let lastRevision = current;
    this.store.backend.scan(
      'key',
      { start: mainRevisionBytes(from), end: mainRevisionBytes(current + 1) },
      (key, value) => {
        const { revision, tombstone } = bytesToRevision(key);
        const previous = events[events.length - 1];
        if (
          events.length >= limit &&
          previous !== undefined &&
          previous.kv.modRevision !== revision.main
        ) {
          lastRevision = previous.kv.modRevision;
          return false;
        }
        events.push({ type: tombstone ? 'DELETE' : 'PUT', kv: decodeKeyValue(value) });
        return true;
      },
    );
    return { events, lastRevision };
  }

  /** Adds prevKv (the key's state just before the event) for watchers that asked for it. */
  private withPrev(w: Watcher, batch: Event[]): Event[] {
    if (w.request.prevKv !== true) return batch;
    return batch.map((event) => {
      const before = event.kv.modRevision - 1;
      if (before < this.store.compactRevision) return event;
      const prev = this.store.keyValues(this.store.backend, keyRange(event.kv.key), before, 1)[0];
      return prev === undefined ? event : { ...event, prevKv: prev };
    });
  }
}

function wants(w: Watcher, event: Event): boolean {
  return event.type === 'PUT' ? w.request.noPut !== true : w.request.noDelete !== true;
}

function inRange(w: Watcher, event: Event): boolean {
  return inKeyRange(w.range, event.kv.key);
}
