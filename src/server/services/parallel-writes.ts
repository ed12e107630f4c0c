/**
 * grpc-js hands a server stream's messages to HTTP/2 one at a time: its stream implements
 * only `_write`, so each queued message waits until the previous one has been written to the
 * socket, and every message costs a socket write of its own (a watch fan-out sends one
 * response per watcher per revision: thousands of writes a second, the largest share of a
 * member's CPU under watch load). Giving the stream a `_writev` lets Node's Writable pass
 * everything queued behind a write at once: each message still goes through grpc-js's
 * sendMessage (framing, metadata, cancellation, the interceptors), in order, but together, so
 * HTTP/2 sends them in one socket write.
 *
 * This relies on grpc-js's server stream keeping its call in `call` (as `_write` does);
 * if a version does not, nothing is changed and writes stay one at a time.
 */
import type { Writable } from 'node:stream';

interface InnerCall {
  sendMessage(message: unknown, callback: () => void): void;
}

type Chunks = readonly { readonly chunk: unknown }[];

/** Lets `stream` (a grpc-js server stream) write its queued messages together. */
export function writeQueuedTogether(stream: Writable): boolean {
  const inner = (stream as unknown as { call?: Partial<InnerCall> }).call;
  if (typeof inner?.sendMessage !== 'function') return false;
  const send = inner.sendMessage.bind(inner);
  const writev = (chunks: Chunks, done: () => void): void => {
    let left = chunks.length;
    for (const { chunk } of chunks) {
      send(chunk, () => {
        if (--left === 0) done();
      });
    }
  };
  (stream as unknown as { _writev: typeof writev })._writev = writev;
  return true;
}
