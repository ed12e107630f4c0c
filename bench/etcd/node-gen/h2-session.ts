/**
 * A lean HTTP/2 client session (RFC 9113) for the load generator, built on the frame reader
 * and writer and the HPACK codec of Concord's own HTTP/2 server layer (src/server/h2).
 *
 * Why not node:http2: its client spent about 0.25 ms of CPU per unary gRPC call here (an
 * AsyncResource, an event-emitting Duplex and header objects per stream), the most of what
 * the txn figure's generator workers spent, and on a 2-core host that CPU is taken from the
 * servers being measured. This one costs a frame-reader dispatch, an HPACK decode (table
 * lookups after the first call) and a listener call per frame; all output of one event-loop
 * turn leaves in one socket write.
 *
 * What it does: streams opened by `request`, DATA both ways with flow control (the peer's
 * windows respected, ours opened wide and topped up), SETTINGS (acknowledged and applied),
 * PING (answered), RST_STREAM and GOAWAY (the streams they end fail). What it leaves out, as a
 * client of gRPC servers on loopback: push (disabled in our SETTINGS), priority, padding on
 * output, and frames larger than the peer's maximum (our messages are small: `writeData`
 * refuses a larger one).
 */
import net from 'node:net';
import {
  ConnectionError,
  errorCodeName,
  ErrorCode,
  type StreamError,
} from '../../../src/server/h2/errors.js';
import { clientPreface } from '../../../src/server/h2/frame.js';
import type { FrameHandler } from '../../../src/server/h2/frame-handler.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import { HpackDecoder, type HeaderVisitor } from '../../../src/server/h2/hpack-decoder.js';
import { HpackEncoder, type HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import { SettingsId, type SettingsEntry } from '../../../src/server/h2/settings.js';

/** What a stream's owner hears, in order: header blocks and data, then one close. */
export interface StreamListener {
  /** A header block: the response's headers, or its trailers (`endStream` set). */
  onHeaders(fields: ReadonlyMap<string, string>, endStream: boolean): void;
  /** DATA, valid only during the call (copy to keep). */
  onData(data: Uint8Array, endStream: boolean): void;
  /** The stream is over: undefined once both sides ended it, else why it failed. */
  onClose(error: Error | undefined): void;
}

/** Our receive windows: wide, so the server never waits on us on loopback. */
const receiveWindow = 1 << 24;
/** Consumed octets after which a window is topped up again. */
const topUpAt = receiveWindow / 2;
const initialWindow = 65_535;

interface Stream {
  readonly id: number;
  readonly listener: StreamListener;
  sendWindow: number;
  /** Octets received since this stream's window was last topped up. */
  received: number;
  localEnded: boolean;
  /** DATA waiting for window, in order. */
  readonly blocked: { data: Uint8Array; endStream: boolean }[];
}

export class H2Session implements FrameHandler {
  private readonly socket: net.Socket;
  private readonly reader = new FrameReader(this, { clientPreface: false });
  private readonly writer = new FrameWriter();
  private readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, Stream>();
  private nextStreamId = 1;
  private sendWindow = initialWindow;
  private peerInitialWindow = initialWindow;
  private received = 0;
  private flushScheduled = false;
  /** The header block being gathered from HEADERS and CONTINUATION frames. */
  private block: { streamId: number; endStream: boolean; fragments: Buffer[] } | undefined;
  private failure: Error | undefined;
  private goingAway = false;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    this.writer.writeSettings([
      { id: SettingsId.ENABLE_PUSH, value: 0 },
      { id: SettingsId.INITIAL_WINDOW_SIZE, value: receiveWindow },
    ]);
    this.writer.writeWindowUpdate(0, receiveWindow - initialWindow);
    this.socket.write(clientPreface);
    this.flushSoon();
  }

  /** False once the session failed or the server is going away: open a new one. */
  get usable(): boolean {
    return this.failure === undefined && !this.goingAway;
  }

  /** Opens a stream with `headers`; returns its id. */
  request(headers: readonly HeaderField[], endStream: boolean, listener: StreamListener): number {
    if (this.failure !== undefined) throw this.failure;
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    this.streams.set(id, {
      id,
      listener,
      sendWindow: this.peerInitialWindow,
      received: 0,
      localEnded: endStream,
      blocked: [],
    });
    this.writer.writeHeaders(id, this.encoder.encode(headers), endStream);
    this.flushSoon();
    return id;
  }

  /** Sends `data` on the stream, as soon as the peer's windows allow. */
  writeData(streamId: number, data: Uint8Array, endStream: boolean): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || stream.localEnded) return;
    if (data.length > this.writer.peerMaxFrameSize)
      throw new Error(`a ${data.length}-octet message: more than one frame, not supported`);
    stream.localEnded = endStream;
    stream.blocked.push({ data, endStream });
    this.pump(stream);
  }

  /** Ends the stream at once (RST_STREAM CANCEL). */
  cancel(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    this.streams.delete(streamId);
    this.writer.writeRstStream(streamId, ErrorCode.CANCEL);
    this.flushSoon();
  }

  /** Closes the connection; open streams fail. */
  close(): void {
    this.fail(new Error('session closed'));
  }

  onData(streamId: number, data: Uint8Array, endStream: boolean, flowControlled: number): void {
    this.received += flowControlled;
    if (this.received >= topUpAt) {
      this.writer.writeWindowUpdate(0, this.received);
      this.received = 0;
      this.flushSoon();
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    stream.received += flowControlled;
    if (stream.received >= topUpAt && !endStream) {
      this.writer.writeWindowUpdate(streamId, stream.received);
      stream.received = 0;
      this.flushSoon();
    }
    stream.listener.onData(data, endStream);
    if (endStream) this.remoteEnd(stream);
  }

  onHeaders(streamId: number, fragment: Uint8Array, endStream: boolean, endHeaders: boolean): void {
    this.block = { streamId, endStream, fragments: [Buffer.from(fragment)] };
    if (endHeaders) this.endBlock();
  }

  onContinuation(_streamId: number, fragment: Uint8Array, endHeaders: boolean): void {
    this.block!.fragments.push(Buffer.from(fragment));
    if (endHeaders) this.endBlock();
  }

  onSettings(ack: boolean, entries: readonly SettingsEntry[]): void {
    if (ack) return;
    for (const { id, value } of entries) {
      if (id === SettingsId.HEADER_TABLE_SIZE) this.encoder.setPeerTableSize(value);
      else if (id === SettingsId.MAX_FRAME_SIZE) this.writer.setPeerMaxFrameSize(value);
      else if (id === SettingsId.INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const stream of this.streams.values()) stream.sendWindow += delta;
      }
    }
    this.writer.writeSettingsAck();
    this.flushSoon();
    for (const stream of this.streams.values()) this.pump(stream);
  }

  onPing(ack: boolean, data: Uint8Array): void {
    if (ack) return;
    this.writer.writePingAck(data);
    this.flushSoon();
  }

  onGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array): void {
    this.goingAway = true;
    const why = `GOAWAY ${errorCodeName(errorCode)}: ${Buffer.from(debugData).toString()}`;
    for (const stream of [...this.streams.values()])
      if (stream.id > lastStreamId) this.closeStream(stream, new Error(why));
  }

  onRstStream(streamId: number, errorCode: number): void {
    const stream = this.streams.get(streamId);
    if (stream !== undefined)
      this.closeStream(stream, new Error(`RST_STREAM ${errorCodeName(errorCode)}`));
  }

  onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      this.sendWindow += increment;
      for (const stream of this.streams.values()) this.pump(stream);
      return;
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    stream.sendWindow += increment;
    this.pump(stream);
  }

  onStreamError(error: StreamError): void {
    this.writer.writeRstStream(error.streamId, error.code);
    this.flushSoon();
  }

  private read(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      if (error instanceof ConnectionError) {
        this.writer.writeGoaway(this.nextStreamId - 2, error.code);
        this.flush();
      }
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private endBlock(): void {
    const { streamId, endStream, fragments } = this.block!;
    this.block = undefined;
    const fields = new Map<string, string>();
    const visitor: HeaderVisitor = { header: (name, value) => fields.set(name, value) };
    // Decoded even for a stream we no longer track: the HPACK table must follow the peer's.
    this.decoder.decode(fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments), visitor);
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    stream.listener.onHeaders(fields, endStream);
    if (endStream) this.remoteEnd(stream);
  }

  /** The server ended the stream: the call is over, whatever we meant to send still. */
  private remoteEnd(stream: Stream): void {
    if (!stream.localEnded || stream.blocked.length > 0) {
      this.writer.writeRstStream(stream.id, ErrorCode.NO_ERROR);
      this.flushSoon();
    }
    this.closeStream(stream, undefined);
  }

  private closeStream(stream: Stream, error: Error | undefined): void {
    if (!this.streams.delete(stream.id)) return;
    stream.listener.onClose(error);
  }

  /**
   * Sends what the windows allow of the stream's blocked DATA, splitting a message where a
   * window ends (the peer tops windows up as it reads what it was sent).
   */
  private pump(stream: Stream): void {
    while (stream.blocked.length > 0) {
      const next = stream.blocked[0]!;
      const room = Math.min(this.sendWindow, stream.sendWindow);
      if (room <= 0 && next.data.length > 0) return;
      const bytes = Math.min(room, next.data.length);
      const piece = next.data.subarray(0, bytes);
      const whole = bytes === next.data.length;
      if (whole) stream.blocked.shift();
      else next.data = next.data.subarray(bytes);
      this.sendWindow -= bytes;
      stream.sendWindow -= bytes;
      this.writer.writeData(stream.id, piece, whole && next.endStream);
      this.flushSoon();
    }
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.writer.pendingBytes === 0 || this.socket.destroyed) return;
    this.socket.write(this.writer.take());
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.socket.destroy();
    for (const stream of [...this.streams.values()]) this.closeStream(stream, error);
  }
}
