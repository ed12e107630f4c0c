/**
 * grpc-js hands a server stream's messages to HTTP/2 one at a time: its stream implements
 * only `_write`, so each queued message waits until the previous one has been written to the
 * socket, and every message costs a socket write of its own (a watch fan-out sends one
 * response per watcher per revision: thousands of writes a second, the largest share of a
 * member's CPU under watch load). Giving the stream a `_writev` lets Node's Writable pass
 * everything queued behind a write at once: each message still goes through grpc-js's
 * sendMessage (framing, metadata, cancellation, the interceptors), in order, but together,
 * with the call's HTTP/2 stream corked meanwhile, so its frames reach the session as one
 * write and the socket in one send.
 *
 * This relies on grpc-js's server stream keeping its call in `call` (as its `_write` does),
 * and its innermost call keeping the HTTP/2 stream in `stream`; where a version does not,
 * writes stay one at a time, or are not corked.
 */
import type { Writable } from 'node:stream';

interface InnerCall {
  sendMessage(message: unknown, callback: () => void): void;
  readonly nextCall?: unknown;
  readonly stream?: unknown;
}

type Chunks = readonly { readonly chunk: unknown }[];

/** Lets `stream` (a grpc-js server stream) write its queued messages together. */
export function writeQueuedTogether(stream: Writable): boolean {
  const inner = (stream as unknown as { call?: Partial<InnerCall> }).call;
  if (typeof inner?.sendMessage !== 'function') return false;
  const send = inner.sendMessage.bind(inner);
  const http2 = http2StreamOf(inner);
  const writev = (chunks: Chunks, done: () => void): void => {
    let left = chunks.length;
    http2?.cork();
    for (const { chunk } of chunks) {
      send(chunk, () => {
        if (--left === 0) done();
      });
    }
    http2?.uncork();
  };
  (stream as unknown as { _writev: typeof writev })._writev = writev;
  return true;
}

/** The HTTP/2 stream under grpc-js's chain of intercepting calls, if it can be found. */
function http2StreamOf(call: Partial<InnerCall>): Writable | undefined {
  let current: Partial<InnerCall> | undefined = call;
  // Interceptors nest calls; a handful is plenty (Concord installs one, for metrics).
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    const stream = current.stream as Partial<Writable> | undefined;
    if (typeof stream?.cork === 'function' && typeof stream.uncork === 'function') {
      return stream as Writable;
    }
    current = current.nextCall as Partial<InnerCall> | undefined;
  }
  return undefined;
}
