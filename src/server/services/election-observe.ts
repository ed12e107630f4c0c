/**
 * Election.Observe: a server stream of the election's leader and its values
 * (../concurrency/observe.ts says what is sent). It waits for the client when gRPC's buffer
 * is full, stops its watches when the client goes away, and ends with UNAVAILABLE
 * "etcdserver: server stopped" when the server closes.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { observe } from '../concurrency/observe.js';
import type { KeyValue } from '../../mvcc/types.js';
import { toWireHeader } from '../convert/header.js';
import { toWireKeyValue } from '../convert/key-value.js';
import { bytes } from '../convert/kv-requests.js';
import type { ResolvedOptions } from '../options.js';
import { statusOf } from '../status.js';
import type { LeaderRequestIn, LeaderResponseOut } from '../wire/election.js';
import { ServerStream } from './server-stream.js';
import type { StreamRegistry } from './stream-registry.js';
import type { WaitingCalls } from './waiting-calls.js';

type ObserveCall = ServerWritableStream<LeaderRequestIn, LeaderResponseOut>;

export function observeHandler(
  options: ResolvedOptions,
  streams: StreamRegistry,
  waiting: WaitingCalls,
): (call: ObserveCall) => void {
  return (call) => new ObserveStream(call, options, streams).start(waiting);
}

class ObserveStream extends ServerStream<LeaderResponseOut, ObserveCall> {
  start(waiting: WaitingCalls): void {
    if (!this.open()) return;
    let leave: () => void;
    try {
      leave = waiting.enter();
    } catch (error) {
      this.fail(statusOf(error, this.options.onBug));
      return;
    }
    const { signal } = this.controller;
    observe(this.options.api, bytes(this.call.request.name), signal, (revision, kv) =>
      this.send(revision, kv),
    )
      .catch((error: unknown) => {
        // Aborted: the client went away or shutdown() already answered.
        if (!this.finished) this.fail(statusOf(error, this.options.onBug));
      })
      .finally(leave);
  }

  private async send(revision: number, kv: KeyValue): Promise<void> {
    if (this.finished) return;
    await this.write({
      header: toWireHeader(this.options.api.header(), revision),
      kv: toWireKeyValue(kv),
    });
  }
}
