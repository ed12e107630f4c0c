/**
 * A watch stream's outgoing responses, bounded, in order. Responses go straight to the gRPC
 * call while it accepts writes; once `write` answers false (the client reads slowly and HTTP/2
 * flow control has filled the call's buffer) they wait here until 'drain'.
 *
 * The bound is on event responses: the stream asks `tryReserve()` before taking events and
 * refuses them when full. Control responses (created, canceled, progress) are always queued;
 * the stream stops reading requests while the outbox is full, which bounds those too.
 */
export interface WritableCall<T> {
  write(message: T): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export class Outbox<T> {
  private readonly queue: T[] = [];
  private writable = true;
  private closed = false;
  /** Someone was refused room; `onRoom` is due when there is room again. */
  private refused = false;

  constructor(
    private readonly call: WritableCall<T>,
    private readonly responsesMax: number,
    private readonly onRoom: () => void,
  ) {}

  get full(): boolean {
    return this.queue.length >= this.responsesMax;
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
    this.flush();
  }

  /** Drops what is queued; later pushes are ignored. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private flush(): void {
    while (this.writable && !this.closed) {
      const message = this.queue.shift();
      if (message === undefined) break;
      if (!this.call.write(message)) {
        this.writable = false;
        this.call.once('drain', () => {
          this.writable = true;
          this.flush();
        });
      }
    }
    if (this.refused && !this.full && !this.closed) {
      this.refused = false;
      this.onRoom();
    }
  }
}
