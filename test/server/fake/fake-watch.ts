/**
 * FakeMember's watchers: catch-up from a start revision, live fan-out of each commit, a
 * compacted start revision reported through the sink, and etcd's back-pressure contract: a
 * sink that answers false did not take the events; the watcher falls behind and is caught up
 * later (here on a short timer, as etcd's syncWatchersLoop does), in one call that may span
 * many revisions.
 */
import { errorTable } from '../../../src/server/errors.js';
import type { Event } from '../../../src/mvcc/types.js';
import type { WatchCreate, WatchHandle, WatchSink } from '../../../src/node/api.js';
import type { Change, FakeStore } from './fake-store.js';
import { inRange, keyText } from './keys.js';

interface FakeWatcher {
  readonly create: WatchCreate;
  readonly sink: WatchSink;
  /** The first revision not yet delivered. */
  nextRevision: number;
}

export class FakeWatchHub {
  readonly watchers = new Set<FakeWatcher>();
  /** How many times a sink answered false (the server's queue was full). */
  refusals = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly store: FakeStore) {
    store.onCommit = (change) => this.commit(change);
  }

  watch(create: WatchCreate, sink: WatchSink): WatchHandle {
    const start = create.startRevision > 0 ? create.startRevision : this.store.revision + 1;
    const watcher: FakeWatcher = { create, sink, nextRevision: start };
    const handle: WatchHandle = {
      cancel: () => this.watchers.delete(watcher),
      progressRevision: () => Math.min(this.store.revision, watcher.nextRevision - 1),
      synced: () => watcher.nextRevision > this.store.revision,
    };
    if (create.startRevision > 0 && create.startRevision < this.store.compacted) {
      sink.canceled({
        compactRevision: this.store.compacted,
        message: errorTable.RevisionCompacted.message,
      });
      return handle;
    }
    this.watchers.add(watcher);
    this.catchUp(watcher);
    return handle;
  }

  /** Stops the retry timer (the fake's only timer). */
  close(): void {
    clearTimeout(this.retry);
    this.watchers.clear();
  }

  private commit(change: Change): void {
    for (const watcher of this.watchers) {
      if (watcher.nextRevision === change.revision)
        this.deliver(watcher, change.events, change.revision);
    }
  }

  private catchUp(watcher: FakeWatcher): void {
    const events = this.store.changes
      .filter((change) => change.revision >= watcher.nextRevision)
      .flatMap((change) => change.events);
    if (events.length === 0) {
      watcher.nextRevision = Math.max(watcher.nextRevision, this.store.revision + 1);
      return;
    }
    this.deliver(watcher, events, this.store.revision);
  }

  private deliver(watcher: FakeWatcher, all: readonly Event[], revision: number): void {
    const events = all
      .filter((event) => wanted(watcher.create, event))
      .map((event) => shaped(watcher.create, event));
    if (events.length > 0 && !watcher.sink.events(events, revision)) {
      this.refusals++;
      this.scheduleRetry();
      return;
    }
    watcher.nextRevision = revision + 1;
  }

  private scheduleRetry(): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      for (const watcher of this.watchers) {
        if (watcher.nextRevision <= this.store.revision) this.catchUp(watcher);
      }
    }, 5);
  }
}

function wanted(create: WatchCreate, event: Event): boolean {
  if (!inRange(keyText(event.kv.key), create.key, create.rangeEnd)) return false;
  if (create.noPut && event.type === 'PUT') return false;
  if (create.noDelete && event.type === 'DELETE') return false;
  return true;
}

/** Drops prevKv unless the watcher asked for it. */
function shaped(create: WatchCreate, event: Event): Event {
  return create.prevKv || event.prevKv === undefined ? event : { type: event.type, kv: event.kv };
}
