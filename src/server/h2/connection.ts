/**
 * The server side of one HTTP/2 connection (RFC 9113) over an accepted socket: stream states
 * (5.1), flow control both ways (5.2, 6.9), SETTINGS / PING / GOAWAY / RST_STREAM (6.4-6.8),
 * the abuse bounds of Section 10.5, and one socket write per event-loop turn.
 *
 * Bytes in: the socket's chunks go straight to a FrameReader, which calls back here per frame
 * (FrameHandler). A request's header block is decoded by the connection's one HPACK decoder
 * (every block, even a refused stream's, so the tables stay in step) and handed with a new
 * H2Stream to `onStream`. Request DATA goes to the stream's `onData` as views of the chunk.
 *
 * Bytes out (connection-output.ts): every frame a turn produces, for any stream, is appended
 * to one FrameWriter and written with one `socket.write` from a microtask, so a unary
 * response's HEADERS + DATA + trailers, the ACKs and the WINDOW_UPDATEs of that turn leave
 * together. DATA waits there for the send windows and for the socket to drain.
 *
 * Errors: a ConnectionError from a codec or a rule here ends the connection (GOAWAY with the
 * last client stream id, the code and the message as debug data; every stream told; socket
 * ended). A stream fault resets only its stream. A consumer callback that throws resets its
 * stream with INTERNAL_ERROR and is reported (options.onCallbackError); the connection goes on.
 * Anything else thrown is a bug of this layer: the socket is destroyed and the error rethrown.
 *
 * @example
 * net.createServer((socket) =>
 *   new H2Connection(socket, (stream, request) => {
 *     stream.onData = (bytes, endStream) => {
 *       if (!endStream) return; // copy `bytes` to keep them: they are views
 *       stream.respond([{ name: ':status', value: '200' }]);
 *       stream.write(answer);
 *       stream.end([{ name: 'grpc-status', value: '0' }]); // all three in one socket write
 *     };
 *   }),
 * );
 */
import type { Socket } from 'node:net';
import { BlockBuffer } from './block-buffer.js';
import { H2Stream, type StreamOwner } from './stream.js';
import { HeaderBlockCollector, type RequestHeaders } from './stream-headers.js';
import { ConnectionError, ErrorCode, type StreamError } from './errors.js';
import { initialSettings, localSettings, settingsEntries, SettingsId } from './settings.js';
import type { SettingsEntry } from './settings.js';
import { uint31Max } from './frame.js';
import type { FrameHandler } from './frame-handler.js';
import { FrameReader } from './frame-reader.js';
import type { FrameWriter } from './frame-writer.js';
import { ConnectionOutput } from './connection-output.js';
import { HpackDecoder } from './hpack-decoder.js';
import { HeaderListSizeError } from './hpack-error.js';
import { HpackEncoder, type HeaderField } from './hpack-encoder.js';
import { limitsOf, RateCap, type H2ConnectionOptions, type Limits } from './connection-limits.js';

export type { H2ConnectionOptions } from './connection-limits.js';

/** A new request stream: its header block is complete, decoded and well-formed. */
export type StreamHandler = (stream: H2Stream, headers: RequestHeaders) => void;

const emptyData = Buffer.alloc(0);
/** The opaque data of close()'s PING. */
const drainPing = Buffer.from('goaway!!', 'latin1');
/** The streams we reset whose late frames are still excused (trailers in flight). */
const resetRememberedMax = 1024;
/**
 * Longest a PING's ACK waits for an answer to ride with, in ms. Node's timers tick in whole
 * milliseconds, so a 1 ms timer fires anywhere from 0 to 1 ms later; 2 is at least 1.
 */
const pingAckHoldMs = 2;
/** A stream's WINDOW_UPDATE waits until this share of its window was consumed. */
const streamWindowRefill = localSettings.initialWindowSize / 2;

export class H2Connection implements FrameHandler, StreamOwner {
  private readonly limits: Limits;
  private readonly reader: FrameReader;
  private readonly out: ConnectionOutput;
  private readonly writer: FrameWriter;
  private readonly decoder = new HpackDecoder({
    headerListSizeMax: localSettings.maxHeaderListSize,
  });
  private readonly encoder = new HpackEncoder();
  private readonly collector = new HeaderBlockCollector();
  private readonly streams = new Map<number, H2Stream>();
  private readonly resetByUs = new Set<number>();
  private readonly resets: RateCap;
  private readonly pings: RateCap;
  private readonly settingsFrames: RateCap;
  private readonly emptyData: RateCap;

  /** The highest client stream id opened (or refused): lower ids are closed (5.1.1). */
  private lastStreamId = 0;
  /** The client's SETTINGS_INITIAL_WINDOW_SIZE: each new stream's send window. */
  private peerInitialWindow = initialSettings.initialWindowSize;
  /** Connection receive window: what the client may still send on all streams. */
  private recvWindow: number;
  private recvConsumed = 0;

  /** A header block continuing in CONTINUATION frames, copied here. */
  private readonly block = new BlockBuffer();
  private blockEndStream = false;

  /** `close` sent its first GOAWAY and awaits its PING's ACK. */
  private draining = false;
  /** The final GOAWAY sent (close() or a connection error): no new streams. */
  private goawaySent = false;
  private failed = false;
  private peerGoaway = false;
  private timer: NodeJS.Timeout | undefined;
  /** Runs until the client acknowledges our SETTINGS. */
  private settingsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly onStream: StreamHandler,
    options: H2ConnectionOptions = {},
  ) {
    this.limits = limitsOf(options);
    this.resets = new RateCap(this.limits.resetsPerSecondMax);
    this.pings = new RateCap(this.limits.pingsPerSecondMax);
    this.settingsFrames = new RateCap(this.limits.settingsPerSecondMax);
    this.emptyData = new RateCap(this.limits.emptyDataPerSecondMax);
    this.reader = new FrameReader(this, { maxFrameSize: localSettings.maxFrameSize });
    this.out = new ConnectionOutput(
      socket,
      this.limits.outputBytesMax,
      (stream) => {
        if (stream.localEnded && !stream.closed) this.sendEnd(stream);
      },
      () => {
        // The client stopped reading while making us produce frames: it gets no more.
        this.closeAll(ErrorCode.ENHANCE_YOUR_CALM);
        socket.destroy();
      },
    );
    this.writer = this.out.writer;
    // The server preface (3.4): our SETTINGS first, then the larger connection window.
    this.writer.writeSettings(settingsEntries(localSettings));
    const window = this.limits.connectionWindowBytes;
    if (window > initialSettings.initialWindowSize) {
      this.writer.writeWindowUpdate(0, window - initialSettings.initialWindowSize);
    }
    this.recvWindow = Math.max(window, initialSettings.initialWindowSize);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    socket.on('drain', () => this.out.pumpAll());
    socket.on('error', () => {}); // 'close' follows; its streams are told there.
    socket.on('close', () => this.onSocketClose());
    this.settingsTimer = setTimeout(() => {
      const message = `no SETTINGS ACK within ${this.limits.settingsTimeoutMs} ms`;
      this.fail(new ConnectionError(ErrorCode.SETTINGS_TIMEOUT, message));
    }, this.limits.settingsTimeoutMs);
    this.settingsTimer.unref();
    this.out.scheduleFlush();
  }

  /** Open streams (those not yet finished both ways). */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Graceful shutdown in two steps (6.8): GOAWAY(2^31-1, NO_ERROR) and a PING first, so that
   * requests the client sent before it saw the GOAWAY are still taken; on the PING's ACK (one
   * round trip later) GOAWAY(last stream id) and refusal of anything newer. The socket ends
   * once the open streams finish, or is destroyed after `closeTimeoutMs` (their consumers then
   * get onClose(CANCEL)).
   */
  close(): void {
    if (this.draining || this.goawaySent) return;
    this.draining = true;
    this.writer.writeGoaway(uint31Max, ErrorCode.NO_ERROR);
    this.writer.writePing(drainPing);
    this.out.scheduleFlush();
    this.setTimer(() => {
      this.closeAll(ErrorCode.CANCEL);
      this.socket.destroy();
    });
  }

  /** The second GOAWAY of `close`: the last stream id is now final. */
  private finalGoaway(): void {
    this.goawaySent = true;
    this.writer.writeGoaway(this.lastStreamId, ErrorCode.NO_ERROR);
    if (this.streams.size === 0) return this.endSocket();
    this.out.scheduleFlush();
  }

  // ---- bytes in ----

  private onSocketData(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof ConnectionError)) {
        this.socket.destroy();
        throw error;
      }
      this.fail(error);
    }
  }

  private onSocketClose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.out.stop();
    clearTimeout(this.settingsTimer);
    this.closeAll(ErrorCode.CANCEL);
  }

  /** A connection error (5.4.1): GOAWAY, every stream told, the socket ended. */
  private fail(error: ConnectionError): void {
    if (this.failed) return;
    this.failed = true;
    this.goawaySent = true;
    this.writer.writeGoaway(this.lastStreamId, error.code, Buffer.from(error.message));
    this.closeAll(error.code);
    this.endSocket();
  }

  onData(streamId: number, data: Uint8Array, endStream: boolean, flowBytes: number): void {
    // Only DATA that carries something is work that excuses PINGs; an empty one is counted.
    if (flowBytes > 0) this.pings.clear();
    else if (!endStream && !this.emptyData.hit(Date.now())) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'empty DATA flood');
    }
    this.recvWindow -= flowBytes;
    if (this.recvWindow < 0) {
      throw new ConnectionError(
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${flowBytes} octets on stream ${streamId} exceeds the connection window`,
      );
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      this.requireNotIdle('DATA', streamId);
      // A stream already closed or reset: ignored, but its octets are the connection's (6.9).
      return this.creditConnection(flowBytes);
    }
    if (stream.remoteEnded) {
      this.creditConnection(flowBytes);
      return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
    }
    stream.recvWindow -= flowBytes;
    if (stream.recvWindow < 0) {
      this.creditConnection(flowBytes);
      return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    }
    // Padding is consumed on arrival; only the data waits for the consumer.
    if (flowBytes > data.length) this.consumed(stream, flowBytes - data.length);
    if (stream.contentRemaining >= 0 && !this.countContent(stream, data.length, endStream)) {
      this.creditConnection(data.length);
      return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    }
    if (endStream) stream.remoteEnded = true;
    stream.receive(data, endStream);
  }

  onHeaders(streamId: number, fragment: Uint8Array, endStream: boolean, endHeaders: boolean): void {
    if (endHeaders) return this.headerBlock(streamId, fragment, endStream);
    // The reader bounds the whole block (headerBlockBytesMax), so this copy is bounded too.
    this.blockEndStream = endStream;
    this.block.start(fragment);
  }

  onContinuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): void {
    this.block.append(fragment);
    if (!endHeaders) return;
    this.headerBlock(streamId, this.block.take(), this.blockEndStream);
  }

  onSettings(ack: boolean, entries: readonly SettingsEntry[]): void {
    // Our SETTINGS change nothing the peer must acknowledge before we rely on it (the table
    // size is the protocol's 4096): its ACK only stops the SETTINGS_TIMEOUT clock.
    if (ack) {
      clearTimeout(this.settingsTimer);
      return;
    }
    if (!this.settingsFrames.hit(Date.now())) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'SETTINGS flood');
    }
    let grown = false;
    for (const { id, value } of entries) {
      switch (id) {
        case SettingsId.HEADER_TABLE_SIZE:
          this.encoder.setPeerTableSize(value);
          break;
        case SettingsId.INITIAL_WINDOW_SIZE:
          grown = this.applyInitialWindow(value) || grown;
          break;
        case SettingsId.MAX_FRAME_SIZE:
          this.writer.setPeerMaxFrameSize(value);
          break;
        default:
          // ENABLE_PUSH, MAX_CONCURRENT_STREAMS: about streams we open, and we open none.
          // MAX_HEADER_LIST_SIZE: advisory (6.5.2); our response headers are small.
          break;
      }
    }
    this.writer.writeSettingsAck();
    if (grown) this.out.pumpAll();
    this.out.scheduleFlush();
  }

  onPing(ack: boolean, data: Uint8Array): void {
    if (ack) {
      // Our only PING is close()'s: its ACK says the client has seen the first GOAWAY.
      if (this.draining && !this.goawaySent && isDrainPing(data)) this.finalGoaway();
      return;
    }
    if (!this.pings.hit(Date.now())) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'PING flood');
    }
    this.writer.writePingAck(data);
    // The ACK rides with the next frames we write (an answer under way) or goes within
    // pingAckHoldMs, rather than in a socket write of its own: grpc-go's bandwidth estimator
    // PINGs as each answer arrives, just before the next request, and that write woke the
    // client once more per call. A keepalive's ACK is 2 ms late at most, and the
    // estimator's round-trip sample is a little long, which only makes it more generous.
    this.out.flushWithin(pingAckHoldMs);
  }

  onGoaway(): void {
    // The client opens no new streams; ours finish, then the socket can go.
    this.peerGoaway = true;
    if (this.streams.size === 0) this.endSocket();
  }

  onRstStream(streamId: number, errorCode: number): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) return this.requireNotIdle('RST_STREAM', streamId);
    // Only resets of open streams count: opening one and resetting it is the attack (work
    // started for nothing); a reset that crosses our end of the stream costs nothing.
    this.countReset('RST_STREAM flood (rapid reset)');
    this.removeStream(stream);
    stream.close(errorCode, true);
  }

  onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      const window = (this.out.sendWindow += increment);
      if (window > uint31Max) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          `WINDOW_UPDATE takes the connection window to ${window}, above 2^31-1`,
        );
      }
      return this.out.pumpAll();
    }
    const stream = this.streams.get(streamId);
    if (stream === undefined) return this.requireNotIdle('WINDOW_UPDATE', streamId);
    stream.sendWindow += increment;
    if (stream.sendWindow > uint31Max) {
      return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    }
    if (stream.queuedBytes > 0) this.pump(stream);
  }

  onStreamError(error: StreamError): void {
    const stream = this.streams.get(error.streamId);
    if (stream !== undefined) return this.resetStream(stream, error.code);
    // No stream, but still an RST_STREAM of ours per frame: a flood of them is capped too.
    this.countReset('stream errors provoked in a flood');
    this.writer.writeRstStream(error.streamId, error.code);
    this.out.scheduleFlush();
  }

  /** A complete header block of `streamId`: a new request, or an open request's trailers. */
  private headerBlock(streamId: number, block: Uint8Array, endStream: boolean): void {
    const stream = this.streams.get(streamId);
    if (stream !== undefined) return this.trailers(stream, block, endStream);
    if ((streamId & 1) === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `client stream id ${streamId} is even`);
    }
    if (streamId <= this.lastStreamId) {
      this.collector.beginTrailers();
      this.decode(block);
      // Trailers may already be on their way when we reset a stream; anything else reuses a
      // closed stream or goes backwards (5.1.1).
      if (this.resetByUs.has(streamId)) return;
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `HEADERS on stream ${streamId}, not above the last stream ${this.lastStreamId}`,
      );
    }
    this.lastStreamId = streamId;
    this.collector.beginRequest();
    const sized = this.decode(block);
    if (this.goawaySent || this.peerGoaway) return this.refuse(streamId, ErrorCode.REFUSED_STREAM);
    // Above our header list size: the block was decoded whole, so only the stream fails.
    if (!sized) return this.refuse(streamId, ErrorCode.PROTOCOL_ERROR);
    if (this.streams.size >= localSettings.maxConcurrentStreams) {
      return this.refuse(streamId, ErrorCode.REFUSED_STREAM);
    }
    if (this.collector.finish() !== undefined) {
      return this.refuse(streamId, ErrorCode.PROTOCOL_ERROR);
    }
    const contentLength = this.collector.request.contentLength;
    if (endStream && contentLength > 0) return this.refuse(streamId, ErrorCode.PROTOCOL_ERROR);
    const created = new H2Stream(
      streamId,
      this,
      this.peerInitialWindow,
      localSettings.initialWindowSize,
    );
    created.remoteEnded = endStream;
    created.contentRemaining = contentLength;
    this.streams.set(streamId, created);
    // A request that reaches the consumer is work that excuses PINGs; a refused one is not.
    this.pings.clear();
    try {
      this.onStream(created, this.collector.request);
    } catch (error) {
      this.callbackFailed(created, error);
    }
    if (endStream && !created.closed) created.receive(emptyData, true);
  }

  /** A HEADERS on an open stream: the request's trailers, which must end it (8.1). */
  private trailers(stream: H2Stream, block: Uint8Array, endStream: boolean): void {
    this.collector.beginTrailers();
    const sized = this.decode(block);
    if (stream.remoteEnded) return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
    if (!sized || !endStream || this.collector.finish() !== undefined) {
      return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    }
    if (stream.contentRemaining > 0) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    stream.remoteEnded = true;
    stream.receive(emptyData, true);
  }

  /** 8.1.1: the DATA of a request with content-length must add up to it. */
  private countContent(stream: H2Stream, bytes: number, endStream: boolean): boolean {
    stream.contentRemaining -= bytes;
    return stream.contentRemaining >= 0 && (!endStream || stream.contentRemaining === 0);
  }

  /** Decodes into the collector; false when the list is above our limit (table in step). */
  private decode(block: Uint8Array): boolean {
    try {
      this.decoder.decode(block, this.collector);
      return true;
    } catch (error) {
      if (error instanceof HeaderListSizeError) return false;
      throw error;
    }
  }

  /** 5.1: frames other than HEADERS/PRIORITY on an idle stream are a PROTOCOL_ERROR. */
  private requireNotIdle(what: string, streamId: number): void {
    if (streamId > this.lastStreamId || (streamId & 1) === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on idle stream ${streamId}`);
    }
  }

  /** 6.9.2: a new INITIAL_WINDOW_SIZE moves every open stream's window by the difference. */
  private applyInitialWindow(value: number): boolean {
    const delta = value - this.peerInitialWindow;
    this.peerInitialWindow = value;
    for (const stream of this.streams.values()) {
      stream.sendWindow += delta;
      if (stream.sendWindow > uint31Max) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          `SETTINGS_INITIAL_WINDOW_SIZE takes stream ${stream.id}'s window above 2^31-1`,
        );
      }
    }
    return delta > 0;
  }

  // ---- receive windows ----

  consumed(stream: H2Stream, bytes: number): void {
    this.creditConnection(bytes);
    if (stream.remoteEnded || stream.closed) return;
    stream.recvConsumed += bytes;
    if (stream.recvConsumed < streamWindowRefill) return;
    this.writer.writeWindowUpdate(stream.id, stream.recvConsumed);
    stream.recvWindow += stream.recvConsumed;
    stream.recvConsumed = 0;
    this.out.scheduleFlush();
  }

  /** Gives connection window back in batches of half the window, not per frame. */
  private creditConnection(bytes: number): void {
    this.recvConsumed += bytes;
    if (this.recvConsumed < this.limits.connectionWindowBytes / 2) return;
    this.writer.writeWindowUpdate(0, this.recvConsumed);
    this.recvWindow += this.recvConsumed;
    this.recvConsumed = 0;
    this.out.scheduleFlush();
  }

  // ---- bytes out (StreamOwner) ----

  sendHeaders(stream: H2Stream, fields: readonly HeaderField[], endStream: boolean): void {
    this.writer.writeHeaders(stream.id, this.encoder.encode(fields), endStream);
    if (endStream) this.finish(stream);
    this.out.scheduleFlush();
  }

  sendData(stream: H2Stream, data: Uint8Array): number {
    return this.out.sendData(stream, data);
  }

  pump(stream: H2Stream): void {
    this.out.pump(stream);
  }

  sendEnd(stream: H2Stream): void {
    if (stream.trailers.length > 0) {
      this.writer.writeHeaders(stream.id, this.encoder.encode(stream.trailers), true);
    } else {
      this.writer.writeData(stream.id, emptyData, true);
    }
    this.finish(stream);
    this.out.scheduleFlush();
  }

  sendReset(stream: H2Stream, code: ErrorCode): void {
    this.writer.writeRstStream(stream.id, code);
    this.rememberReset(stream.id);
    this.removeStream(stream);
    stream.close(code, false);
    this.out.scheduleFlush();
  }

  /** We sent END_STREAM: the stream is done; if the client is still sending, stop it (8.1). */
  private finish(stream: H2Stream): void {
    if (!stream.remoteEnded) {
      this.writer.writeRstStream(stream.id, ErrorCode.NO_ERROR);
      this.rememberReset(stream.id);
    }
    this.removeStream(stream);
    stream.close(ErrorCode.NO_ERROR, false);
  }

  callbackFailed(stream: H2Stream, error: unknown): void {
    // Reset without onClose: the consumer that threw is not called again for this stream.
    if (!stream.closed) this.sendReset(stream, ErrorCode.INTERNAL_ERROR);
    this.limits.onCallbackError(error, stream.id);
  }

  /** A stream error (5.4.2): RST_STREAM, and the consumer is told. */
  private resetStream(stream: H2Stream, code: ErrorCode): void {
    // The client provoked it: as costly as its own reset of a stream we started on.
    this.countReset('stream errors provoked in a flood (MadeYouReset)');
    this.sendReset(stream, code);
    stream.notifyClose(code);
  }

  private countReset(what: string): void {
    if (!this.resets.hit(Date.now())) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, what);
  }

  /** Resets a stream that never reached a consumer. */
  private refuse(streamId: number, code: ErrorCode): void {
    this.writer.writeRstStream(streamId, code);
    this.rememberReset(streamId);
    this.out.scheduleFlush();
  }

  private rememberReset(streamId: number): void {
    this.resetByUs.add(streamId);
    if (this.resetByUs.size > resetRememberedMax) {
      for (const oldest of this.resetByUs) {
        this.resetByUs.delete(oldest);
        break;
      }
    }
  }

  private removeStream(stream: H2Stream): void {
    this.streams.delete(stream.id);
    this.out.forget(stream);
    if ((this.goawaySent || this.peerGoaway) && this.streams.size === 0) this.endSocket();
  }

  private endSocket(): void {
    this.out.flush();
    this.socket.end();
    this.setTimer(() => this.socket.destroy());
  }

  private setTimer(action: () => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(action, this.limits.closeTimeoutMs);
    this.timer.unref();
  }

  /** Every open stream is told `code` (the connection is going). */
  private closeAll(code: number): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.out.forgetAll();
    for (const stream of streams) stream.close(code, true);
  }
}

function isDrainPing(data: Uint8Array): boolean {
  for (let i = 0; i < drainPing.length; i++) if (data[i] !== drainPing[i]) return false;
  return true;
}
