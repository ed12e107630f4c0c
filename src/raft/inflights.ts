import { assert } from '../base/assert.js';

/**
 * The MsgApps sent to one follower and not yet acknowledged, as a ring buffer of the last
 * entry index each carried. Bounds how far a leader runs ahead of a follower (flow control).
 */
export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private countValue = 0;
  private bytesValue = 0;

  constructor(
    readonly capacity: number,
    readonly bytesMax: number = Number.POSITIVE_INFINITY,
  ) {
    assert(capacity > 0, 'inflights capacity must be positive');
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.countValue;
  }

  get bytes(): number {
    return this.bytesValue;
  }

  /** Records a MsgApp whose last entry is `index`. Indexes must be added in increasing order. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'cannot add to full inflights');
    const slot = (this.start + this.countValue) % this.capacity;
    if (this.countValue > 0) {
      const last = this.indexes[(slot + this.capacity - 1) % this.capacity]!;
      assert(index > last, () => `inflight index ${index} not above ${last}`);
    }
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.countValue++;
    this.bytesValue += bytes;
  }

  /** Frees every MsgApp whose last index is <= `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.countValue > 0 && this.indexes[this.start]! <= index) {
      this.popFront();
    }
  }

  /** Frees the oldest MsgApp, so one more can be sent (a heartbeat showed the peer is alive). */
  freeFirstOne(): void {
    if (this.countValue > 0) this.popFront();
  }

  full(): boolean {
    return this.countValue === this.capacity || this.bytesValue >= this.bytesMax;
  }

  reset(): void {
    this.start = 0;
    this.countValue = 0;
    this.bytesValue = 0;
  }

  private popFront(): void {
    this.bytesValue -= this.sizes[this.start]!;
    this.start = (this.start + 1) % this.capacity;
    this.countValue--;
    if (this.countValue === 0) this.start = 0;
  }
}
