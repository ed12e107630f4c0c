/**
 * A watch on the member, consumed by awaiting: the lock and election services wait on keys
 * the way etcd's concurrency package does, through a watch rather than by polling.
 *
 * Bounded: at most `batchesMax` batches wait to be read; past that the sink answers false and
 * the member's watch hub holds the rest back and catches the watcher up later.
 */
import { ConcordError } from '../../base/errors.js';
import type { Event } from '../../mvcc/types.js';
import type { ConcordApi, WatchCreate, WatchHandle } from '../../node/api.js';

export type WatchBatch =
  | { readonly kind: 'events'; readonly events: readonly Event[]; readonly revision: number }
  /** The start revision was compacted: re-read the state and watch again from now. */
  | { readonly kind: 'compacted'; readonly compactRevision: number };

const batchesMax = 64;

export class ApiWatch {
  private readonly batches: WatchBatch[] = [];
  private handle: WatchHandle | undefined;
  private stopped: string | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    api: ConcordApi,
    create: Partial<WatchCreate> & Pick<WatchCreate, 'key'>,
    private readonly signal: AbortSignal,
  ) {
    this.handle = api.watch(
      { startRevision: 0, prevKv: false, noPut: false, noDelete: false, ...create },
      {
        events: (events, revision) => {
          if (this.closed) return true; // dropped: nobody reads them any more
          if (this.batches.length >= batchesMax) return false;
          this.push({ kind: 'events', events, revision });
          return true;
        },
        canceled: (reason) => {
          if (reason.compactRevision !== undefined) {
            this.push({ kind: 'compacted', compactRevision: reason.compactRevision });
          } else {
            this.stopped = reason.message;
            this.wakeUp();
          }
        },
      },
    );
    // (The member may report events before watch() returns; they are queued like any other.)
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * The next batch, in revision order. Rejects with 'Canceled' once the signal aborts and with
   * 'Stopped' if the member ended the watch (it is shutting down).
   */
  async next(): Promise<WatchBatch> {
    for (;;) {
      if (this.signal.aborted) throw new ConcordError('Canceled');
      const batch = this.batches.shift();
      if (batch !== undefined) return batch;
      if (this.stopped !== undefined) throw new ConcordError('Stopped', this.stopped);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Cancels the watch; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batches.length = 0;
    this.handle?.cancel();
    this.signal.removeEventListener('abort', this.onAbort);
    this.wakeUp();
  }

  private readonly onAbort = (): void => this.wakeUp();

  private push(batch: WatchBatch): void {
    this.batches.push(batch);
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
