/**
 * Maintenance.Snapshot: streams the member's consistent backup (./snapshot-framing.ts says
 * how). The stream waits for the client when gRPC's buffer is full, releases the snapshot
 * when the client goes away, and ends with UNAVAILABLE "etcdserver: server stopped" when the
 * server closes (a snapshot can take longer than the shutdown grace).
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { SnapshotReader } from '../../node/api.js';
import { numberToUint64 } from '../convert/int64.js';
import { statusOf } from '../status.js';
import type { SnapshotResponseOut } from '../wire/maintenance.js';
import type { SnapshotMessage } from './snapshot-framing.js';
import { SnapshotFramer } from './snapshot-framing.js';
import { ServerStream } from './server-stream.js';

export type SnapshotCall = ServerWritableStream<object, SnapshotResponseOut>;

export class SnapshotStream extends ServerStream<SnapshotResponseOut, SnapshotCall> {
  start(): void {
    if (!this.open()) return;
    this.run().catch((error: unknown) => this.fail(statusOf(error, this.options.onBug)));
  }

  private async run(): Promise<void> {
    const reader = await this.options.api.snapshot({ signal: this.controller.signal });
    if (!(await this.stream(reader))) return;
    this.finish();
    this.call.end();
  }

  /** Sends every message; false if the stream ended first (the reader is released). */
  private async stream(reader: SnapshotReader): Promise<boolean> {
    const framer = new SnapshotFramer(reader.size);
    // Leaving the loop early (return or throw) calls the iterator's return(): the member
    // releases the snapshot.
    for await (const chunk of reader.chunks) {
      if (this.finished || !(await this.send(framer.push(chunk)))) return false;
    }
    return !this.finished && (await this.send(framer.finish()));
  }

  private async send(messages: readonly SnapshotMessage[]): Promise<boolean> {
    for (const { remainingBytes, blob } of messages) {
      const message = { remainingBytes: numberToUint64(remainingBytes), blob, version: '' };
      await this.write(message);
      if (this.finished) return false;
    }
    return true;
  }
}
