/**
 * An incremental HTTP/2 frame reader for the server side of a connection (RFC 9113): fed the
 * socket's chunks as they come (any size, split anywhere: inside the client preface, inside a
 * frame header, inside a payload), it checks the client connection preface (Section 3.4) and
 * then calls a {@link FrameHandler} method per frame, after the checks of Section 6.
 *
 * Zero-copy where it is safe: a frame that lies within one chunk reaches the handler as views
 * into that chunk; only a frame split across chunks is copied, into one reassembly buffer that
 * is reused for the next split frame. Hence the handler's lifetime rule: a view is valid only
 * during the call (frame-handler.ts).
 *
 * Errors: a fault of the connection throws a {@link ConnectionError} out of `push` (the caller
 * sends GOAWAY and closes); the reader is then closed and ignores further input. A fault of
 * one stream goes to `handler.onStreamError` and reading goes on.
 *
 * What is left to the stream layer: stream states (Section 5.1: DATA on an idle stream, an
 * even stream id from a client, ...), flow control windows, and decoding header blocks.
 */
import { assert } from '../../base/assert.js';
import { ConnectionError, ErrorCode, StreamError } from './errors.js';
import {
  clientPreface,
  FrameFlag,
  frameHeaderBytes,
  frameSizeMax,
  frameSizeMin,
  FrameType,
  frameTypeName,
  pingBytes,
} from './frame.js';
import type { FrameHandler } from './frame-handler.js';
import {
  padding,
  padLengthBytes,
  readUint32,
  requireConnection,
  requireLength,
  requireStream,
} from './frame-checks.js';
import { decodeSettings, type SettingsEntry } from './settings.js';

export interface FrameReaderOptions {
  /**
   * Our SETTINGS_MAX_FRAME_SIZE: a longer frame is a FRAME_SIZE_ERROR. Default 16384, the
   * initial value, which a peer may use before it has seen our SETTINGS.
   */
  maxFrameSize?: number;
  /**
   * Bound on one header block on the wire: HEADERS plus its CONTINUATIONs, frame headers and
   * padding included (so a flood of empty CONTINUATIONs is bounded too). Beyond it the
   * connection fails with ENHANCE_YOUR_CALM: the block cannot be skipped, since HPACK state
   * depends on decoding all of it. Default 64 KiB.
   */
  headerBlockBytesMax?: number;
  /**
   * Whether the client connection preface (Section 3.4) comes before the frames: true (the
   * default) on a server; false on a client, whose peer's preface is its first SETTINGS.
   */
  clientPreface?: boolean;
}

export const headerBlockBytesMaxDefault = 65_536;

/** Stream dependency (4) + weight (1): PRIORITY's payload and HEADERS' priority fields. */
const priorityBytes = 5;
const rstStreamBytes = 4;
const windowUpdateBytes = 4;
/** Last-Stream-ID (4) + Error Code (4); debug data may follow. */
const goawayFixedBytes = 8;
const streamIdMask = 0x7fff_ffff;
const noEntries: readonly SettingsEntry[] = Object.freeze([]);

export class FrameReader {
  private readonly maxFrameSize: number;
  private readonly headerBlockBytesMax: number;
  /** Octets of the client preface matched so far; frames start once it is whole. */
  private prefaceMatched = 0;
  /** Holds one frame split across chunks: its header, then its payload. */
  private held: Buffer = Buffer.alloc(0);
  /** Octets of `held` filled. Invariant: 0 unless a frame is being reassembled. */
  private heldBytes = 0;
  /** Set while a header block is open: only its CONTINUATIONs may come next (Section 6.10). */
  private continuationStreamId = 0;
  /** Wire octets of the open header block so far (see headerBlockBytesMax). */
  private headerBlockBytes = 0;
  /** The preface ends with a SETTINGS frame (Section 3.4): set until it has come. */
  private awaitingSettings = true;
  private closed = false;
  private pushing = false;
  /** Who sends what this reader reads, for messages. */
  private readonly peer: 'client' | 'server';

  constructor(
    private readonly handler: FrameHandler,
    options: FrameReaderOptions = {},
  ) {
    this.maxFrameSize = options.maxFrameSize ?? frameSizeMin;
    this.headerBlockBytesMax = options.headerBlockBytesMax ?? headerBlockBytesMaxDefault;
    this.peer = options.clientPreface === false ? 'server' : 'client';
    if (this.peer === 'server') this.prefaceMatched = clientPreface.length;
    assert(
      this.maxFrameSize >= frameSizeMin && this.maxFrameSize <= frameSizeMax,
      () => `maxFrameSize ${this.maxFrameSize} outside ${frameSizeMin}..${frameSizeMax}`,
    );
    assert(this.headerBlockBytesMax >= frameHeaderBytes, 'headerBlockBytesMax too small');
  }

  /** True once a connection error was thrown: input is ignored from then on. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True while a header block awaits its CONTINUATION frames. */
  get inHeaderBlock(): boolean {
    return this.continuationStreamId !== 0;
  }

  /**
   * Parses what `chunk` completes and calls the handler for each whole frame, in order. The
   * chunk is only read during this call (a split frame's bytes are copied), so the caller may
   * reuse it afterwards. Throws a ConnectionError (and closes) on a connection fault.
   */
  push(chunk: Uint8Array): void {
    if (this.closed) return;
    assert(!this.pushing, 'FrameReader.push called from inside a handler');
    this.pushing = true;
    try {
      this.consume(chunk);
    } catch (error) {
      this.closed = true;
      throw error;
    } finally {
      this.pushing = false;
    }
  }

  private consume(chunk: Uint8Array): void {
    const end = chunk.length;
    let at = 0;
    if (this.prefaceMatched < clientPreface.length) {
      at = this.matchPreface(chunk);
      if (this.prefaceMatched < clientPreface.length) return;
    }
    if (this.heldBytes > 0) {
      at = this.fillHeld(chunk, at);
      if (this.heldBytes > 0) return;
    }
    while (end - at >= frameHeaderBytes) {
      const length = this.checkedLength(chunk, at);
      if (end - at - frameHeaderBytes < length) break;
      this.dispatch(chunk, at, length);
      at += frameHeaderBytes + length;
    }
    if (at < end) this.hold(chunk, at);
  }

  /** Compares the preface octets `chunk` carries; returns where frames begin. */
  private matchPreface(chunk: Uint8Array): number {
    let at = 0;
    while (at < chunk.length && this.prefaceMatched < clientPreface.length) {
      if (chunk[at] !== clientPreface[this.prefaceMatched]) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `not the HTTP/2 client connection preface (octet ${this.prefaceMatched} differs)`,
        );
      }
      at++;
      this.prefaceMatched++;
    }
    return at;
  }

  /** The length field of the frame header at `at`, checked against our max frame size. */
  private checkedLength(bytes: Uint8Array, at: number): number {
    const length =
      ((bytes[at] as number) << 16) | ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
    if (length > this.maxFrameSize) {
      // Checked on the header alone, before any of the payload is buffered. Always a connection
      // error: the RFC requires one for most types, and allows it for the rest (5.4.1).
      throw new ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        `${frameTypeName(bytes[at + 3] as number)} frame of ${length} octets exceeds ` +
          `SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`,
      );
    }
    return length;
  }

  /** Copies the tail of `chunk` from `at` (an incomplete frame) into the held buffer. */
  private hold(chunk: Uint8Array, at: number): void {
    const rest = chunk.length - at;
    // When the header is complete the frame's whole size is known: reserve it at once.
    const size = rest >= frameHeaderBytes ? frameHeaderBytes + this.checkedLength(chunk, at) : 0;
    this.reserve(Math.max(size, frameHeaderBytes));
    this.held.set(chunk.subarray(at), 0);
    this.heldBytes = rest;
  }

  /** Continues the held frame with `chunk` from `at`; dispatches it once whole. */
  private fillHeld(chunk: Uint8Array, at: number): number {
    if (this.heldBytes < frameHeaderBytes) {
      const n = Math.min(frameHeaderBytes - this.heldBytes, chunk.length - at);
      this.held.set(chunk.subarray(at, at + n), this.heldBytes);
      this.heldBytes += n;
      at += n;
      if (this.heldBytes < frameHeaderBytes) return at;
      this.reserve(frameHeaderBytes + this.checkedLength(this.held, 0));
    }
    const length = this.checkedLength(this.held, 0);
    const n = Math.min(frameHeaderBytes + length - this.heldBytes, chunk.length - at);
    this.held.set(chunk.subarray(at, at + n), this.heldBytes);
    this.heldBytes += n;
    at += n;
    if (this.heldBytes === frameHeaderBytes + length) {
      this.heldBytes = 0;
      this.dispatch(this.held, 0, length);
    }
    return at;
  }

  /** Grows the held buffer to at least `size` octets, keeping what it holds. */
  private reserve(size: number): void {
    if (this.held.length >= size) return;
    const capacity = Math.min(
      frameHeaderBytes + this.maxFrameSize,
      Math.max(size, this.held.length * 2, 1024),
    );
    const grown = Buffer.allocUnsafe(capacity);
    this.held.copy(grown, 0, 0, this.heldBytes);
    this.held = grown;
  }

  /** Checks and delivers the whole frame whose header is at `bytes[at]`. */
  private dispatch(bytes: Uint8Array, at: number, length: number): void {
    const type = bytes[at + 3] as number;
    const flags = bytes[at + 4] as number;
    // The reserved bit is ignored on receipt (Section 4.1).
    const streamId = readUint32(bytes, at + 5) & streamIdMask;
    const start = at + frameHeaderBytes;
    if (this.awaitingSettings) {
      if (type !== FrameType.SETTINGS || (flags & FrameFlag.ACK) !== 0) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `${this.peer} preface: ${frameTypeName(type)} frame before the ${this.peer}'s first SETTINGS`,
        );
      }
      this.awaitingSettings = false;
    }
    if (this.continuationStreamId !== 0 && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `${frameTypeName(type)} frame on stream ${streamId} inside the header block of ` +
          `stream ${this.continuationStreamId} (only CONTINUATION may follow)`,
      );
    }
    switch (type) {
      case FrameType.DATA:
        return this.onData(bytes, start, length, flags, streamId);
      case FrameType.HEADERS:
        return this.onHeaders(bytes, start, length, flags, streamId);
      case FrameType.PRIORITY:
        return this.onPriority(bytes, start, length, streamId);
      case FrameType.RST_STREAM:
        requireStream(type, streamId);
        requireLength(type, length, rstStreamBytes);
        return this.handler.onRstStream(streamId, readUint32(bytes, start));
      case FrameType.SETTINGS:
        return this.onSettings(bytes, start, length, flags, streamId);
      case FrameType.PUSH_PROMISE:
        // Section 8.4: "A client cannot push." This reader serves the server side only.
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      case FrameType.PING:
        requireConnection(type, streamId);
        requireLength(type, length, pingBytes);
        return this.handler.onPing(
          (flags & FrameFlag.ACK) !== 0,
          bytes.subarray(start, start + pingBytes),
        );
      case FrameType.GOAWAY:
        return this.onGoaway(bytes, start, length, streamId);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(bytes, start, length, streamId);
      case FrameType.CONTINUATION:
        return this.onContinuation(bytes, start, length, flags, streamId);
      default:
        // Unknown frame types are ignored (Sections 4.1 and 5.5), outside header blocks.
        return;
    }
  }

  private onData(
    bytes: Uint8Array,
    start: number,
    length: number,
    flags: number,
    streamId: number,
  ): void {
    requireStream(FrameType.DATA, streamId);
    const end = start + length;
    const dataStart = (flags & FrameFlag.PADDED) !== 0 ? start + padLengthBytes : start;
    const dataEnd = end - padding(bytes, start, length, flags, 0, FrameType.DATA);
    this.handler.onData(
      streamId,
      bytes.subarray(dataStart, dataEnd),
      (flags & FrameFlag.END_STREAM) !== 0,
      length,
    );
  }

  private onHeaders(
    bytes: Uint8Array,
    start: number,
    length: number,
    flags: number,
    streamId: number,
  ): void {
    requireStream(FrameType.HEADERS, streamId);
    const hasPriority = (flags & FrameFlag.PRIORITY) !== 0;
    const fixed = hasPriority ? priorityBytes : 0;
    const pad = padding(bytes, start, length, flags, fixed, FrameType.HEADERS);
    let fragmentStart = (flags & FrameFlag.PADDED) !== 0 ? start + padLengthBytes : start;
    if (hasPriority) {
      // Priority signals are deprecated (RFC 9113 5.3.2) and ignored, but still checked.
      // A self-dependency is a stream error by 5.3.1; here it ends the connection, because
      // the header block would still have to be decoded to keep HPACK state in step.
      if ((readUint32(bytes, fragmentStart) & streamIdMask) === streamId) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `HEADERS of stream ${streamId} depends on itself`,
        );
      }
      fragmentStart += priorityBytes;
    }
    const endHeaders = (flags & FrameFlag.END_HEADERS) !== 0;
    this.headerBlockBytes = 0;
    this.countHeaderBlock(streamId, length);
    this.continuationStreamId = endHeaders ? 0 : streamId;
    this.handler.onHeaders(
      streamId,
      bytes.subarray(fragmentStart, start + length - pad),
      (flags & FrameFlag.END_STREAM) !== 0,
      endHeaders,
    );
  }

  private onContinuation(
    bytes: Uint8Array,
    start: number,
    length: number,
    flags: number,
    streamId: number,
  ): void {
    requireStream(FrameType.CONTINUATION, streamId);
    if (this.continuationStreamId === 0) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `CONTINUATION on stream ${streamId} outside a header block`,
      );
    }
    if (streamId !== this.continuationStreamId) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `CONTINUATION on stream ${streamId} inside the header block of stream ` +
          `${this.continuationStreamId}`,
      );
    }
    this.countHeaderBlock(streamId, length);
    const endHeaders = (flags & FrameFlag.END_HEADERS) !== 0;
    if (endHeaders) this.continuationStreamId = 0;
    this.handler.onContinuation(streamId, bytes.subarray(start, start + length), endHeaders);
  }

  private countHeaderBlock(streamId: number, length: number): void {
    this.headerBlockBytes += frameHeaderBytes + length;
    if (this.headerBlockBytes > this.headerBlockBytesMax) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `header block of stream ${streamId} exceeds ${this.headerBlockBytesMax} octets`,
      );
    }
  }

  private onPriority(bytes: Uint8Array, start: number, length: number, streamId: number): void {
    requireStream(FrameType.PRIORITY, streamId);
    // Both faults are stream errors (Section 6.3, 5.3.1); nothing else is done with PRIORITY.
    if (length !== priorityBytes) {
      return this.handler.onStreamError(
        new StreamError(
          streamId,
          ErrorCode.FRAME_SIZE_ERROR,
          `PRIORITY of ${length} octets, not ${priorityBytes}`,
        ),
      );
    }
    if ((readUint32(bytes, start) & streamIdMask) === streamId) {
      this.handler.onStreamError(
        new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, 'PRIORITY: stream depends on itself'),
      );
    }
  }

  private onSettings(
    bytes: Uint8Array,
    start: number,
    length: number,
    flags: number,
    streamId: number,
  ): void {
    requireConnection(FrameType.SETTINGS, streamId);
    if ((flags & FrameFlag.ACK) !== 0) {
      if (length !== 0) {
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `SETTINGS ACK with a payload of ${length} octets`,
        );
      }
      return this.handler.onSettings(true, noEntries);
    }
    if (length % 6 !== 0) {
      throw new ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        `SETTINGS of ${length} octets, not a multiple of 6`,
      );
    }
    this.handler.onSettings(false, decodeSettings(bytes.subarray(start, start + length)));
  }

  private onGoaway(bytes: Uint8Array, start: number, length: number, streamId: number): void {
    requireConnection(FrameType.GOAWAY, streamId);
    if (length < goawayFixedBytes) {
      throw new ConnectionError(
        ErrorCode.FRAME_SIZE_ERROR,
        `GOAWAY of ${length} octets, less than ${goawayFixedBytes}`,
      );
    }
    this.handler.onGoaway(
      readUint32(bytes, start) & streamIdMask,
      readUint32(bytes, start + 4),
      bytes.subarray(start + goawayFixedBytes, start + length),
    );
  }

  private onWindowUpdate(bytes: Uint8Array, start: number, length: number, streamId: number): void {
    requireLength(FrameType.WINDOW_UPDATE, length, windowUpdateBytes);
    const increment = readUint32(bytes, start) & streamIdMask;
    if (increment === 0) {
      // Section 6.9: an error of the flow-control window the frame refers to.
      const message = 'WINDOW_UPDATE with an increment of 0';
      if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, message);
      return this.handler.onStreamError(
        new StreamError(streamId, ErrorCode.PROTOCOL_ERROR, message),
      );
    }
    this.handler.onWindowUpdate(streamId, increment);
  }
}
