/**
 * A header block arriving in pieces (HEADERS without END_HEADERS, then CONTINUATION frames,
 * RFC 9113 Section 6.10), copied into one buffer reused across blocks: the reader's fragments
 * are views that live only during its callback, and the decoder wants the block whole.
 *
 * Bounded by the caller: the frame reader caps a block's total size (headerBlockBytesMax), so
 * the buffer never grows past that.
 */
export class BlockBuffer {
  private buffer: Buffer = Buffer.alloc(0);
  private length = 0;

  /** Starts a new block with its first fragment. */
  start(fragment: Uint8Array): void {
    this.length = 0;
    this.append(fragment);
  }

  append(fragment: Uint8Array): void {
    const needed = this.length + fragment.length;
    if (this.buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buffer.length, 1024));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(fragment, this.length);
    this.length = needed;
  }

  /** The whole block, as a view valid until the next `start`. */
  take(): Uint8Array {
    const block = this.buffer.subarray(0, this.length);
    this.length = 0;
    return block;
  }
}
