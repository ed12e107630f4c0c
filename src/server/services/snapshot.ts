/**
 * Maintenance.Snapshot: streams the member's consistent backup (./snapshot-framing.ts says
 * how). The stream waits for the client when gRPC's buffer is full, releases the snapshot
 * when the client goes away, and ends with UNAVAILABLE "etcdserver: server stopped" when the
 * server closes (a snapshot can take longer than the shutdown grace).
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { SnapshotReader } from '../../node/api.js';
import { asCaller } from '../auth/guard.js';
import { numberToUint64 } from '../convert/int64.js';
import { statusOf } from '../status.js';
import type { ResolvedOptions } from '../options.js';
import type { SnapshotResponseOut } from '../wire/maintenance.js';
import type { SnapshotMessage } from './snapshot-framing.js';
import { SnapshotFramer } from './snapshot-framing.js';
import { ServerStream } from './server-stream.js';
import type { StreamRegistry } from './stream-registry.js';

export type SnapshotCall = ServerWritableStream<object, SnapshotResponseOut>;

export class SnapshotStream extends ServerStream<SnapshotResponseOut, SnapshotCall> {
  constructor(
    call: SnapshotCall,
    options: ResolvedOptions,
    streams: StreamRegistry,
    /** Who the stream speaks for (the auth guard's; none without it): root only. */
    private readonly caller?: () => AuthInfo,
  ) {
    super(call, options, streams);
  }

  start(): void {
    if (!this.open()) return;
    this.run().catch((error: unknown) => this.fail(statusOf(error, this.options.onBug)));
  }

  private async run(): Promise<void> {
    // authorizingApi checks the root role as the caller before snapshot() returns its promise.
    const signal = this.controller.signal;
    const reader = await asCaller(this.caller, () => this.options.api.snapshot({ signal }));
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
