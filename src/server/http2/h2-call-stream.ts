/**
 * An H2Stream (../h2/stream.ts: Concord's own HTTP/2 layer) as the part of node:http2's
 * ServerHttp2Stream that FastCall and FastStream use, so the fast path's calls, which the
 * differential tests hold to grpc-js's exact behaviour, run unchanged on either layer.
 *
 * What they use: respond(headers, {waitForTrailers | endStream}), write, end(data?) followed
 * by 'wantTrailers' and sendTrailers, 'data'/'end'/'close'/'drain' listeners (on or once),
 * pause/resume, destroyed/closed, and session.socket (the peer's address, the TLS
 * certificate).
 *
 * Not an EventEmitter: each call adds one listener per event, and an emitter's once()
 * wrappers, listener records and the table they live in (which a removal turns into a
 * dictionary) made an adapter with FastCall's listeners and its H2Stream retain 1,592 heap
 * bytes, now 929; under 100 clients every scavenge copies the ~100 requests then in flight
 * (docs/design-notes.md). A listener sits in its event's slot; a second one for the same
 * event, which no caller adds today, goes to an EventEmitter made for it, so the semantics
 * (order, once) stay an emitter's.
 *
 * Request bytes are copied out of the connection's read buffer: H2Stream hands views that
 * live only during the callback, and a gRPC message may span chunks.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { HeaderField } from '../h2/hpack-encoder.js';
import type { H2Stream } from '../h2/stream.js';
import type { RequestHeaders } from '../h2/stream-headers.js';

type HeaderMap = Readonly<Record<string, unknown>>;
type Listener = (chunk?: Buffer) => void;

/** The events a call may listen to; an event's index is its slot. */
const events = ['data', 'end', 'close', 'drain', 'wantTrailers'] as const;
const [dataSlot, endSlot, closeSlot, drainSlot, trailersSlot] = [0, 1, 2, 3, 4] as const;
const u = undefined;

export class H2CallStream {
  destroyed = false;
  closed = false;
  readonly session: { readonly socket: Socket };
  private waitForTrailers = false;
  private readonly listeners: (Listener | undefined)[] = [u, u, u, u, u];
  /** Bit i: slot i's listener goes once it has run. */
  private onceSlots = 0;
  /** Listeners beyond the first of an event, with an emitter's semantics. */
  private more: EventEmitter | undefined = undefined;

  constructor(
    private readonly h2: H2Stream,
    socket: Socket,
  ) {
    this.session = { socket };
    h2.onData = (bytes, endStream) => {
      if (bytes.length > 0) this.emit(dataSlot, Buffer.from(bytes));
      if (endStream) this.emit(endSlot);
    };
    h2.onWritable = () => this.emit(drainSlot);
    h2.onClose = () => this.finish();
  }

  on(event: string, listener: Listener): this {
    return this.listen(event, listener, false);
  }

  once(event: string, listener: Listener): this {
    return this.listen(event, listener, true);
  }

  respond(headers: HeaderMap, options: { waitForTrailers?: boolean; endStream?: boolean }): void {
    this.waitForTrailers = options.waitForTrailers === true;
    const endStream = options.endStream === true;
    this.h2.respond(fieldsOf(headers), endStream);
    if (endStream) this.closed = true;
  }

  write(data: Uint8Array): boolean {
    return this.h2.write(data);
  }

  end(data?: Uint8Array): void {
    if (data !== undefined && data.length > 0) this.h2.write(data);
    // node:http2 asks for the trailers once the data is out; here they follow in the same
    // write, which is the point of the layer.
    if (this.waitForTrailers) this.emit(trailersSlot);
  }

  sendTrailers(trailers: HeaderMap): void {
    this.closed = true;
    this.h2.end(fieldsOf(trailers));
  }

  pause(): this {
    this.h2.pause();
    return this;
  }

  resume(): this {
    this.h2.resume();
    return this;
  }

  private finish(): void {
    if (this.destroyed) return;
    this.closed = true;
    this.destroyed = true;
    this.emit(closeSlot);
  }

  private listen(event: string, listener: Listener, once: boolean): this {
    // This layer has no 'error' event: a connection that fails closes its streams ('close').
    if (event === 'error') return this;
    const slot = (events as readonly string[]).indexOf(event);
    if (slot < 0) throw new Error(`H2CallStream has no '${event}' event`);
    // Behind one already there, or behind older ones in `more`: emitters call in the order
    // listeners were added.
    if (this.listeners[slot] !== undefined || (this.more?.listenerCount(event) ?? 0) > 0) {
      this.more ??= new EventEmitter();
      if (once) this.more.once(event, listener);
      else this.more.on(event, listener);
      return this;
    }
    this.listeners[slot] = listener;
    if (once) this.onceSlots |= 1 << slot;
    return this;
  }

  private emit(slot: number, chunk?: Buffer): void {
    const listener = this.listeners[slot];
    if (listener !== undefined && (this.onceSlots & (1 << slot)) !== 0) {
      this.listeners[slot] = undefined;
      this.onceSlots &= ~(1 << slot);
    }
    listener?.(chunk);
    this.more?.emit(events[slot]!, chunk);
  }
}

/** node:http2's header object for a request (what FastCall and FastStream read). */
export function incomingHeaders(headers: RequestHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {
    ':method': headers.method,
    ':scheme': headers.scheme,
    ':path': headers.path,
  };
  if (headers.authority !== '') out[':authority'] = headers.authority;
  const fields = headers.fields;
  for (let at = 0; at < fields.length; at += 2) {
    const name = fields[at]!;
    const value = fields[at + 1]!;
    const previous = out[name];
    if (previous === undefined) out[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[name] = [previous, value];
  }
  return out;
}

/** A header object (node:http2's shape) as HPACK fields, :status first. */
export function fieldsOf(headers: HeaderMap): HeaderField[] {
  const fields: HeaderField[] = [];
  const status = headers[':status'];
  if (status !== undefined) fields.push({ name: ':status', value: String(status) });
  for (const name in headers) {
    if (name === ':status') continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) fields.push({ name, value: String(each) });
    else fields.push({ name, value: String(value) });
  }
  return fields;
}
