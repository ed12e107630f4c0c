/**
 * One request stream of an {@link H2Connection} (RFC 9113 Section 5.1), as its consumer sees
 * it: request DATA through `onData`, the response through `respond` / `write` / `end`, and
 * `onClose` when the client resets the stream or the connection goes.
 *
 * The stream holds only its own state (windows, send queue, flags); every frame is written by
 * the connection (its `StreamOwner` side), which batches a turn's frames into one socket write.
 * Callbacks are plain properties, not an EventEmitter: one assignment per call, no listener
 * arrays, no nextTick.
 */
import { assert } from '../../base/assert.js';
import { ErrorCode } from './errors.js';
import type { HeaderField } from './hpack-encoder.js';

/** What the connection provides to its streams. */
export interface StreamOwner {
  /** With `endStream`, the stream is finished as `sendEnd` finishes it. */
  sendHeaders(stream: H2Stream, fields: readonly HeaderField[], endStream: boolean): void;
  /** Sends what the windows allow of `data` now; returns how many octets went. */
  sendData(stream: H2Stream, data: Uint8Array): number;
  /** Sends the queued DATA the windows allow, then the end once the queue is empty. */
  pump(stream: H2Stream): void;
  /** Sends the trailers (or an empty DATA) with END_STREAM and finishes the stream. */
  sendEnd(stream: H2Stream): void;
  sendReset(stream: H2Stream, code: ErrorCode): void;
  /** The consumer took `bytes` of request DATA: window may be given back. */
  consumed(stream: H2Stream, bytes: number): void;
  /** A consumer callback threw: the stream is reset (INTERNAL_ERROR) and the error reported. */
  callbackFailed(stream: H2Stream, error: unknown): void;
}

/**
 * Request DATA. `bytes` is a view into the connection's input, valid ONLY during the call:
 * copy what you keep. `endStream` marks the request's last DATA (it may come with no bytes).
 */
export type DataCallback = (bytes: Uint8Array, endStream: boolean) => void;
/**
 * The stream ended abnormally: the client reset it (its RST_STREAM code), a stream error
 * reset it (ours), or the connection went (the GOAWAY code, or CANCEL). Called at most once,
 * and not after a normal end (we sent END_STREAM) or the consumer's own `reset`.
 */
export type CloseCallback = (code: number) => void;

const ignoreData: DataCallback = () => {};
const ignoreClose: CloseCallback = () => {};
const ignoreWritable = (): void => {};
const noTrailers: readonly HeaderField[] = Object.freeze([]);

/** Above this many queued octets `write` returns false (the consumer should wait). */
export const queuedBytesHighWater = 1 << 20;

export class H2Stream {
  onData: DataCallback = ignoreData;
  onClose: CloseCallback = ignoreClose;
  /** Called once the send queue falls back under its bound after `write` returned false. */
  onWritable: () => void = ignoreWritable;

  // ---- state the connection keeps: read-only for consumers ----

  /** Our send window for this stream (6.9.1); may go negative after a SETTINGS change. */
  sendWindow: number;
  /** What the client may still send before our next WINDOW_UPDATE. */
  recvWindow: number;
  /** Octets taken by the consumer since our last stream WINDOW_UPDATE. */
  recvConsumed = 0;
  /** Request DATA octets still due by content-length (8.1.1); -1 without one. */
  contentRemaining = -1;
  /** The client sent END_STREAM (half-closed remote). */
  remoteEnded = false;
  headersSent = false;
  /** `end` was called (its trailers may still wait behind queued DATA). */
  localEnded = false;
  /** No more frames either way: reset, finished, or the connection went. */
  closed = false;
  trailers: readonly HeaderField[] = noTrailers;

  /** DATA waiting for window: chunks[head..], the first from `headOffset`. */
  private chunks: Uint8Array[] | undefined;
  private head = 0;
  private headOffset = 0;
  queuedBytes = 0;
  private blocked = false;

  /** Request DATA held while paused (copies); bounded by the stream window it holds back. */
  private paused = false;
  private held: Buffer[] | undefined;
  private heldEnd = false;

  constructor(
    readonly id: number,
    private readonly owner: StreamOwner,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  /** Response HEADERS; with `endStream` the response is headers only (gRPC trailers-only). */
  respond(headers: readonly HeaderField[], endStream = false): void {
    assert(!this.headersSent, () => `stream ${this.id}: respond called twice`);
    this.headersSent = true;
    if (this.closed) return;
    if (endStream) this.localEnded = true;
    this.owner.sendHeaders(this, headers, endStream);
  }

  /**
   * Response DATA under flow control. What the windows allow is copied into the connection's
   * output now; the rest is queued BY REFERENCE (do not modify `data` afterwards) and sent on
   * WINDOW_UPDATE. Returns false once the queue passes its bound: wait for `onWritable`.
   * After a reset or close the data is dropped (and false returned).
   */
  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    assert(this.headersSent, () => `stream ${this.id}: write before respond`);
    assert(!this.localEnded, () => `stream ${this.id}: write after end`);
    if (data.length === 0) return true;
    let sent = 0;
    if (this.queuedBytes === 0) {
      sent = this.owner.sendData(this, data);
      if (sent === data.length) return true;
    }
    (this.chunks ??= []).push(sent === 0 ? data : data.subarray(sent));
    this.queuedBytes += data.length - sent;
    if (this.queuedBytes <= queuedBytesHighWater) return true;
    this.blocked = true;
    return false;
  }

  /**
   * Ends the response: `trailers` as a HEADERS frame with END_STREAM after all queued DATA
   * (an empty DATA frame with END_STREAM when there are none). If the client is still sending,
   * the stream is then reset with NO_ERROR (RFC 9113 8.1), as the request is no longer wanted.
   */
  end(trailers: readonly HeaderField[] = noTrailers): void {
    if (this.closed || this.localEnded) return;
    assert(this.headersSent, () => `stream ${this.id}: end before respond`);
    this.localEnded = true;
    this.trailers = trailers;
    if (this.queuedBytes === 0) this.owner.sendEnd(this);
  }

  /** Resets the stream (RST_STREAM with `code`); queued DATA is dropped. No onClose follows. */
  reset(code: ErrorCode = ErrorCode.CANCEL): void {
    if (this.closed) return;
    this.owner.sendReset(this, code);
  }

  /**
   * Stops delivering request DATA, and so stops giving the client window: it can send at most
   * what is left of the stream window, which is held here (copied) until `resume`.
   */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held while paused, and lets window flow again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    // Every held octet goes back to the windows once delivered, or dropped by a close from
    // inside onData; only what a new pause keeps waits for the next resume (or close).
    let bytes = heldBytes(held);
    for (let i = 0; i < held.length && !this.closed; i++) {
      if (this.paused) {
        this.held = held.slice(i);
        bytes -= heldBytes(this.held);
        break;
      }
      this.deliver(held[i] as Buffer, this.heldEnd && i === held.length - 1);
    }
    if (bytes > 0) this.owner.consumed(this, bytes);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  // ---- the connection's side ----

  /** Request DATA from the connection (already charged to the windows). */
  receive(data: Uint8Array, endStream: boolean): void {
    if (this.paused) {
      (this.held ??= []).push(Buffer.from(data));
      this.heldEnd = endStream;
      return;
    }
    this.deliver(data, endStream);
    // Even when onData closed the stream (a unary answer ends it right there) or threw: the
    // octets are the connection window's either way.
    if (data.length > 0) this.owner.consumed(this, data.length);
  }

  /**
   * Every consumer callback runs through one of these guards: a throw is the consumer's bug,
   * so it fails this stream only, never the connection's reading or its windows.
   */
  private deliver(data: Uint8Array, endStream: boolean): void {
    try {
      this.onData(data, endStream);
    } catch (error) {
      this.owner.callbackFailed(this, error);
    }
  }

  /** Tells the consumer the stream ended abnormally (see CloseCallback), guarded. */
  notifyClose(code: number): void {
    try {
      this.onClose(code);
    } catch (error) {
      this.owner.callbackFailed(this, error);
    }
  }

  /** The next queued chunk, at most `max` octets, removed from the queue. */
  dequeue(max: number): Uint8Array {
    const chunks = this.chunks as Uint8Array[];
    const chunk = chunks[this.head] as Uint8Array;
    const take = Math.min(max, chunk.length - this.headOffset);
    const out = chunk.subarray(this.headOffset, this.headOffset + take);
    this.headOffset += take;
    this.queuedBytes -= take;
    if (this.headOffset === chunk.length) {
      this.head++;
      this.headOffset = 0;
      if (this.head === chunks.length) {
        chunks.length = 0;
        this.head = 0;
      }
    }
    if (this.blocked && this.queuedBytes <= queuedBytesHighWater / 2) {
      this.blocked = false;
      queueMicrotask(() => {
        if (this.closed) return;
        try {
          this.onWritable();
        } catch (error) {
          this.owner.callbackFailed(this, error);
        }
      });
    }
    return out;
  }

  /** Marks the stream closed and drops its queues; tells the consumer when `notify`. */
  close(code: number, notify: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = undefined;
    this.queuedBytes = 0;
    const held = this.held;
    this.held = undefined;
    // DATA held for a paused consumer that will never take it: its octets still count
    // against the connection window, which would otherwise shrink for good.
    if (held !== undefined) this.owner.consumed(this, heldBytes(held));
    if (notify) this.notifyClose(code);
  }
}

function heldBytes(held: readonly Buffer[]): number {
  let bytes = 0;
  for (const chunk of held) bytes += chunk.length;
  return bytes;
}
