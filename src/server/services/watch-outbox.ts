/**
 * A watch stream's outgoing responses, bounded, in order. Responses go to the gRPC call while
 * it accepts writes; once `write` answers false (the client reads slowly and HTTP/2 flow
 * control has filled the call's buffer) they wait here until 'drain'.
 *
 * Writes are made once the current task is done (a microtask), corked: one committed revision
 * goes to every watcher of the stream in one synchronous pass, and its responses then reach
 * HTTP/2 as one write instead of one write for the first and another for the rest.
 *
 * The bound is on event responses: the stream asks `tryReserve()` before taking events and
 * refuses them when full. Control responses (created, canceled, progress) are always queued;
 * the stream stops reading requests while the outbox is full, which bounds those too.
 */
export interface WritableCall<T> {
  write(message: T): boolean;
  once(event: 'drain', listener: () => void): unknown;
  cork?(): void;
  uncork?(): void;
}

export class Outbox<T> {
  private readonly queue: T[] = [];
  private writable = true;
  private closed = false;
  private flushScheduled = false;
  /** Someone was refused room; `onRoom` is due when there is room again. */
  private refused = false;

  constructor(
    private readonly call: WritableCall<T>,
    private readonly responsesMax: number,
    private readonly onRoom: () => void,
  ) {}

  /** Responses waiting only for the microtask that writes them do not count. */
  get full(): boolean {
    return !this.writable && this.queue.length >= this.responsesMax;
  }

  get length(): number {
    return this.queue.length;
  }

  /** True if there is room for one more response; otherwise remembers to call `onRoom`. */
  tryReserve(): boolean {
    if (!this.full) return true;
    this.refused = true;
    return false;
  }

  push(message: T): void {
    if (this.closed) return;
    this.queue.push(message);
    if (this.flushScheduled || !this.writable) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Drops what is queued; later pushes are ignored. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private flush(): void {
    const corked = this.queue.length > 1 && this.call.cork !== undefined;
    if (corked) this.call.cork!();
    let written = 0;
    while (this.writable && !this.closed && written < this.queue.length) {
      const message = this.queue[written++] as T;
      if (!this.call.write(message)) {
        this.writable = false;
        this.call.once('drain', () => {
          this.writable = true;
          this.flush();
        });
      }
    }
    // One splice, not a shift per response: a fan-out queues hundreds at once.
    this.queue.splice(0, written);
    if (corked) this.call.uncork!();
    if (this.refused && !this.full && !this.closed) {
      this.refused = false;
      this.onRoom();
    }
  }
}
