/**
 * Maintenance.Snapshot: streams the member's consistent backup (./snapshot-framing.ts says
 * how). The stream waits for the client when gRPC's buffer is full, releases the snapshot
 * when the client goes away, and ends with UNAVAILABLE "etcdserver: server stopped" when the
 * server closes (a snapshot can take longer than the shutdown grace).
 */
import type { ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import type { SnapshotReader } from '../../node/api.js';
import { numberToUint64 } from '../convert/int64.js';
import type { ResolvedOptions } from '../options.js';
import { codeStatus, statusOf } from '../status.js';
import type { SnapshotResponseOut } from '../wire/maintenance.js';
import type { SnapshotMessage } from './snapshot-framing.js';
import { SnapshotFramer } from './snapshot-framing.js';
import type { OpenStream, StreamRegistry } from './stream-registry.js';

export type SnapshotCall = ServerWritableStream<object, SnapshotResponseOut>;

export class SnapshotStream implements OpenStream {
  private readonly controller = new AbortController();
  private finished = false;

  constructor(
    private readonly call: SnapshotCall,
    private readonly options: ResolvedOptions,
    private readonly streams: StreamRegistry,
  ) {}

  start(): void {
    if (!this.streams.add(this)) {
      this.fail(codeStatus('Stopped'));
      return;
    }
    this.call.on('cancelled', () => this.finish());
    this.call.on('error', () => this.finish());
    this.run().catch((error: unknown) => this.fail(statusOf(error, this.options.onBug)));
  }

  shutdown(): void {
    this.fail(codeStatus('Stopped'));
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
      if (!this.call.write(message)) await this.drained();
      if (this.finished) return false;
    }
    return true;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.call.once('drain', done);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  private fail(status: StatusObject): void {
    if (this.finished) return;
    this.finish();
    this.call.emit('error', status);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.controller.abort();
    this.streams.delete(this);
  }
}
