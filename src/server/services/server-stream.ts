/**
 * What every server stream the server can end shares (Maintenance.Snapshot,
 * Lease.LeaseKeepAlive, Election.Observe): it is registered in the StreamRegistry while open,
 * stops its work (the abort signal) when the client goes away, waits for the client when
 * gRPC's write buffer is full, and ends with UNAVAILABLE "etcdserver: server stopped" when the
 * server closes — a stream never ends by itself while its client is connected.
 */
import { AsyncResource } from 'node:async_hooks';
import type { ServerDuplexStream, ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import type { ResolvedOptions } from '../options.js';
import { codeStatus } from '../status.js';
import type { OpenStream, StreamRegistry } from './stream-registry.js';

type Call<Out> = ServerWritableStream<unknown, Out> | ServerDuplexStream<unknown, Out>;

/**
 * The abort reason of every ended stream: one shared error, since abort() without a reason
 * builds a DOMException with a stack each time (a keep-alive stream lives for one message).
 */
const streamEnded = new DOMException('the stream ended', 'AbortError');

export abstract class ServerStream<Out, C extends Call<Out>> implements OpenStream {
  private abortController: AbortController | undefined;
  /** The caller's async context, for listen(). */
  private scope: AsyncResource | undefined;
  protected finished = false;

  constructor(
    protected readonly call: C,
    protected readonly options: ResolvedOptions,
    private readonly streams: StreamRegistry,
  ) {}

  /**
   * Registers the stream; false when the server is already closing (the call has been ended
   * with "server stopped", and the stream must not start its work).
   */
  protected open(): boolean {
    if (!this.streams.add(this)) {
      this.fail(codeStatus('Stopped'));
      return false;
    }
    // finish() makes no member call, so these need not run as the caller (listen() below):
    // addListener, which the auth guard does not wrap, saves two async resources per stream.
    // (Anonymous arrows: under tsx, esbuild keepNames names a `const f = () =>` per call.)
    this.call.addListener('cancelled', () => this.finish());
    this.call.addListener('error', () => this.finish());
    return true;
  }

  /**
   * Adds a listener that runs as the stream's caller. The auth guard runs the handler in its
   * caller's async context and wraps each `call.on` listener in an AsyncResource of its own
   * (AsyncResource.bind, which also builds a deprecation getter each time); a keep-alive
   * stream lives for one message, so that was a fifth of the leader's CPU. One resource per
   * stream, taken at the first listen() (the handler's, which runs as the caller), carries
   * the same context.
   */
  protected listen(event: string, listener: (...args: never[]) => void): void {
    this.scope ??= new AsyncResource('ConcordServerStream');
    const scope = this.scope;
    this.call.addListener(event, (...args: unknown[]) =>
      scope.runInAsyncScope(listener as (...a: unknown[]) => void, this, ...args),
    );
  }

  /**
   * Aborted once the stream ends: what its work waits on. Made on first use, as most
   * keep-alive streams are answered without waiting for anything.
   */
  protected get controller(): AbortController {
    if (this.abortController === undefined) {
      this.abortController = new AbortController();
      if (this.finished) this.abortController.abort(streamEnded);
    }
    return this.abortController;
  }

  shutdown(): void {
    this.fail(codeStatus('Stopped'));
  }

  /** Writes one message; when gRPC's buffer is full, resolves once it drains or the stream ends. */
  protected async write(message: Out): Promise<void> {
    if (!this.call.write(message)) await this.drained();
  }

  /** Resolves once gRPC's full write buffer drains, or the stream ends. */
  protected drained(): Promise<void> {
    return new Promise((resolve) => {
      const { signal } = this.controller;
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        this.call.off('drain', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.call.once('drain', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends the call with `status`, once. */
  protected fail(status: StatusObject): void {
    if (this.finished) return;
    this.finish();
    this.call.emit('error', status);
  }

  /** Stops everything this stream started; safe to call more than once. */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.abortController?.abort(streamEnded);
    this.streams.delete(this);
  }
}
