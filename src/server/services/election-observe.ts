/**
 * Election.Observe: a server stream of the election's leader and its values
 * (../concurrency/observe.ts says what is sent). It waits for the client when gRPC's buffer
 * is full, stops its watches when the client goes away, and ends with UNAVAILABLE
 * "etcdserver: server stopped" when the server closes.
 */
import type { ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import { observe } from '../concurrency/observe.js';
import type { KeyValue } from '../../mvcc/types.js';
import { toWireHeader } from '../convert/header.js';
import { toWireKeyValue } from '../convert/key-value.js';
import { bytes } from '../convert/kv-requests.js';
import type { ResolvedOptions } from '../options.js';
import { codeStatus, statusOf } from '../status.js';
import type { LeaderRequestIn, LeaderResponseOut } from '../wire/election.js';
import type { OpenStream, StreamRegistry } from './stream-registry.js';

type ObserveCall = ServerWritableStream<LeaderRequestIn, LeaderResponseOut>;

export function observeHandler(
  options: ResolvedOptions,
  streams: StreamRegistry,
): (call: ObserveCall) => void {
  return (call) => new ObserveStream(call, options, streams).start();
}

class ObserveStream implements OpenStream {
  private readonly controller = new AbortController();
  private finished = false;

  constructor(
    private readonly call: ObserveCall,
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
    const { signal } = this.controller;
    observe(this.options.api, bytes(this.call.request.name), signal, (revision, kv) =>
      this.send(revision, kv),
    ).catch((error: unknown) => {
      // Aborted: the client went away or shutdown() already answered.
      if (!this.finished) this.fail(statusOf(error, this.options.onBug));
    });
  }

  shutdown(): void {
    this.fail(codeStatus('Stopped'));
  }

  private async send(revision: number, kv: KeyValue): Promise<void> {
    if (this.finished) return;
    const message = {
      header: toWireHeader(this.options.api.header(), revision),
      kv: toWireKeyValue(kv),
    };
    if (!this.call.write(message)) await this.drained();
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
