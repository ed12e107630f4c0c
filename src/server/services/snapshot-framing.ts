/**
 * How a snapshot's bytes become Maintenance.Snapshot messages, as etcd frames them
 * (v3rpc/maintenance.go): messages of 32 KiB with `remaining_bytes` counting down to 0, then
 * one more message whose blob is the sha256 of every byte sent before it. etcdctl writes the
 * blobs to a file and refuses one whose size is not a multiple of 512 plus 32 (bbolt files
 * are page-aligned), so Concord pads with zero bytes to a multiple of 512 first; the sha256
 * covers the padding, like the file it lands in.
 */
import { createHash } from 'node:crypto';
import { assert } from '../../base/assert.js';

/** etcd's snapshotSendBufferSize. */
export const snapshotMessageBytes = 32 * 1024;
/** etcdctl's hasChecksum(): size % 512 == 32. */
export const snapshotAlignBytes = 512;

export interface SnapshotMessage {
  readonly remainingBytes: number;
  readonly blob: Uint8Array;
}

/** The size of the stream's data part: `size` padded to a multiple of 512 (0 stays 0). */
export function paddedSnapshotBytes(size: number): number {
  return Math.ceil(size / snapshotAlignBytes) * snapshotAlignBytes;
}

/**
 * Cuts chunks of any size into full 32 KiB messages. Feed `push` the snapshot's chunks in
 * order, then call `finish` for the remaining messages: the last data message (padded) and
 * the sha256.
 */
export class SnapshotFramer {
  private readonly total: number;
  private readonly hash = createHash('sha256');
  private buffer = new Uint8Array(snapshotMessageBytes);
  private filled = 0;
  private received = 0;
  private sent = 0;

  constructor(private readonly size: number) {
    this.total = paddedSnapshotBytes(size);
  }

  push(chunk: Uint8Array): SnapshotMessage[] {
    this.received += chunk.length;
    assert(this.received <= this.size, () => `snapshot yielded more than its size ${this.size}`);
    return this.append(chunk);
  }

  finish(): SnapshotMessage[] {
    assert(
      this.received === this.size,
      () => `snapshot yielded ${this.received} bytes, promised ${this.size}`,
    );
    const messages = this.append(new Uint8Array(this.total - this.size));
    if (this.filled > 0) messages.push(this.flush());
    messages.push({ remainingBytes: 0, blob: this.hash.digest() });
    return messages;
  }

  private append(bytes: Uint8Array): SnapshotMessage[] {
    const messages: SnapshotMessage[] = [];
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(bytes.length - at, snapshotMessageBytes - this.filled);
      this.buffer.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === snapshotMessageBytes) messages.push(this.flush());
    }
    return messages;
  }

  private flush(): SnapshotMessage {
    // A fresh buffer per message: the one sent is owned by gRPC until it is written.
    const blob = this.buffer.subarray(0, this.filled);
    this.buffer = new Uint8Array(snapshotMessageBytes);
    this.filled = 0;
    this.sent += blob.length;
    this.hash.update(blob);
    return { remainingBytes: this.total - this.sent, blob };
  }
}
