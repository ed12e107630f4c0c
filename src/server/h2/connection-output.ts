/**
 * The sending half of an {@link H2Connection}: the frame writer every frame of a turn goes to,
 * the one socket write per turn (a microtask scheduled at the turn's first frame), the
 * connection send window (RFC 9113 6.9.1), and the streams whose DATA waits for window or for
 * the socket to drain.
 *
 * Queued DATA moves into the socket only while it holds less than a quarter of
 * `outputBytesMax`, so a client that reads slowly holds back its own responses (in their
 * streams' queues) rather than growing the socket's buffer; what else a turn writes (headers,
 * ACKs) is not held back, and past `outputBytesMax` the client is cut off (`overflow`).
 */
import type { Socket } from 'node:net';
import { FrameWriter } from './frame-writer.js';
import { initialSettings } from './settings.js';
import type { H2Stream } from './stream.js';

export class ConnectionOutput {
  readonly writer = new FrameWriter();
  /** Connection send window: what we may still send on all streams together. */
  sendWindow = initialSettings.initialWindowSize;
  /** Streams with DATA queued behind a window or the socket. */
  private readonly waiting = new Set<H2Stream>();
  private flushScheduled = false;
  private readonly flushNow = (): void => this.flush();
  /** flushWithin's bound, armed once and re-armed with refresh() (no timer per call). */
  private lateFlush: NodeJS.Timeout | undefined;
  private lateFlushArmed = false;

  constructor(
    private readonly socket: Socket,
    private readonly outputBytesMax: number,
    /** A stream's queue emptied: the connection sends its end if `end` was called. */
    private readonly drained: (stream: H2Stream) => void,
    /** The socket holds more than `outputBytesMax`: the connection gives up on the client. */
    private readonly overflow: () => void,
  ) {}

  /** Sends what the windows and the socket allow of `data` now; returns the octets sent. */
  sendData(stream: H2Stream, data: Uint8Array): number {
    const n = Math.min(data.length, this.sendWindow, stream.sendWindow, this.room());
    if (n < data.length) this.waiting.add(stream);
    if (n <= 0) return 0;
    this.writer.writeData(stream.id, n === data.length ? data : data.subarray(0, n), false);
    this.sendWindow -= n;
    stream.sendWindow -= n;
    this.scheduleFlush();
    return n;
  }

  /** Sends `stream`'s queued DATA as far as the windows and the socket allow. */
  pump(stream: H2Stream): void {
    this.scheduleFlush();
    while (stream.queuedBytes > 0) {
      const n = Math.min(this.sendWindow, stream.sendWindow, this.room());
      if (n <= 0) {
        this.waiting.add(stream);
        return;
      }
      const chunk = stream.dequeue(n);
      this.writer.writeData(stream.id, chunk, false);
      this.sendWindow -= chunk.length;
      stream.sendWindow -= chunk.length;
    }
    this.waiting.delete(stream);
    this.drained(stream);
  }

  /** After a window grew or the socket drained: every waiting stream, while room lasts. */
  pumpAll(): void {
    for (const stream of this.waiting) {
      if (this.sendWindow <= 0 || this.room() <= 0) break;
      this.pump(stream);
    }
  }

  /** The stream is gone: its queue no longer waits. */
  forget(stream: H2Stream): void {
    this.waiting.delete(stream);
  }

  forgetAll(): void {
    this.waiting.clear();
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushNow);
  }

  /**
   * Lets what was written go out with the next flush, or after `ms` at most: for frames
   * nobody waits on at once (a PING's ACK while an answer is being worked out).
   */
  flushWithin(ms: number): void {
    if (this.flushScheduled || this.lateFlushArmed) return;
    this.lateFlushArmed = true;
    if (this.lateFlush === undefined) this.lateFlush = setTimeout(this.flushNow, ms);
    else this.lateFlush.refresh();
  }

  /** Stops flushWithin's timer (the connection is closing). */
  stop(): void {
    if (this.lateFlush !== undefined) clearTimeout(this.lateFlush);
    this.lateFlushArmed = false;
  }

  /** Writes everything written since the last flush in one socket write. */
  flush(): void {
    this.flushScheduled = false;
    this.lateFlushArmed = false;
    if (this.writer.pendingBytes === 0 || !this.socket.writable) return;
    this.socket.write(this.writer.take());
    if (this.socket.writableLength > this.outputBytesMax) this.overflow();
  }

  /** Octets of DATA the socket may still take before queued DATA waits for 'drain'. */
  private room(): number {
    return this.outputBytesMax / 4 - this.socket.writableLength - this.writer.pendingBytes;
  }
}
