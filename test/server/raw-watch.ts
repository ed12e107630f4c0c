/** A raw Watch stream for tests: send requests, await responses one by one, in order. */
import { Metadata } from '@grpc/grpc-js';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { Client } from '@grpc/grpc-js';
import { rawClient, waitFor } from './harness.js';

export interface WatchEventOut {
  type: 'PUT' | 'DELETE';
  kv: { key: Buffer; value: Buffer; modRevision: string; createRevision: string; version: string };
  prevKv: { key: Buffer; value: Buffer } | null;
}

export interface WatchResponseIn {
  header: { revision: string; clusterId: string; memberId: string; raftTerm: string };
  watchId: string;
  created: boolean;
  canceled: boolean;
  compactRevision: string;
  cancelReason: string;
  fragment: boolean;
  events: WatchEventOut[];
}

export class RawWatch {
  readonly client: Client;
  readonly call: ClientDuplexStream<object, WatchResponseIn>;
  private readonly received: WatchResponseIn[] = [];
  private waiting: ((response: WatchResponseIn) => void) | undefined;
  error: ServiceError | undefined;
  private readonly errorWaiters: ((error: ServiceError) => void)[] = [];

  /** `metadata`: sent with the call (e.g. `hasleader: true`). */
  constructor(endpoint: string, metadata = new Metadata()) {
    this.client = rawClient('Watch', endpoint);
    const open = (
      this.client as unknown as {
        Watch(metadata: Metadata): ClientDuplexStream<object, WatchResponseIn>;
      }
    ).Watch;
    this.call = open.call(this.client, metadata);
    this.call.on('data', (response: WatchResponseIn) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting !== undefined) waiting(response);
      else this.received.push(response);
    });
    this.call.on('error', (error: ServiceError) => {
      this.error = error;
      for (const waiter of this.errorWaiters.splice(0)) waiter(error);
    });
  }

  create(request: object): void {
    this.call.write({ createRequest: request });
  }

  cancel(watchId: string): void {
    this.call.write({ cancelRequest: { watchId } });
  }

  requestProgress(): void {
    this.call.write({ progressRequest: {} });
  }

  /** The next response, waiting for it if none has arrived yet. */
  next(what: string, timeoutMs?: number): Promise<WatchResponseIn> {
    const ready = this.received.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return waitFor(what, (done) => (this.waiting = done), timeoutMs);
  }

  /** The status the stream ended with. */
  ended(what: string, timeoutMs?: number): Promise<ServiceError> {
    if (this.error !== undefined) return Promise.resolve(this.error);
    return waitFor(what, (done) => this.errorWaiters.push(done), timeoutMs);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
