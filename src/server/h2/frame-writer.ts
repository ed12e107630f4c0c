/**
 * Serializes HTTP/2 frames (RFC 9113 Section 6) into one output buffer per connection turn:
 * a response's HEADERS, DATA and trailing HEADERS, and the frames of every stream answered in
 * the same event-loop turn, are appended here and leave in one socket write (`take`).
 *
 * Frames are written into a slab, a Buffer reused across turns: `take` hands out the pending
 * region as a view and later frames go after it, so the view stays untouched while the socket
 * holds it. A slab too small for what is pending is replaced by a larger one (the old one is
 * freed once its last view is written). So a turn costs no allocation in the steady state.
 *
 * Flow control is not done here (the stream layer owns windows): `writeData` writes what it is
 * given, split at the peer's SETTINGS_MAX_FRAME_SIZE, and `pendingBytes` reports the size.
 */
import { assert, AssertionError } from '../../base/assert.js';
import type { ErrorCode } from './errors.js';
import {
  FrameFlag,
  frameHeaderBytes,
  frameSizeMax,
  frameSizeMin,
  FrameType,
  pingBytes,
  uint31Max,
} from './frame.js';
import { type SettingsEntry, settingsEntryBytes } from './settings.js';

export interface FrameWriterOptions {
  /** Size of each slab; a turn that needs more gets a larger one. Default 64 KiB. */
  slabBytes?: number;
}

export const slabBytesDefault = 65_536;
const uint32Max = 0xffff_ffff;
const goawayFixedBytes = 8;

export class FrameWriter {
  private readonly slabBytes: number;
  private slab: Buffer;
  /** The pending frames are slab[start, end); before start: handed out by `take`. */
  private start = 0;
  private end = 0;
  private maxFrameSize = frameSizeMin;

  constructor(options: FrameWriterOptions = {}) {
    this.slabBytes = options.slabBytes ?? slabBytesDefault;
    assert(this.slabBytes >= frameHeaderBytes, 'slabBytes too small');
    this.slab = Buffer.allocUnsafe(this.slabBytes);
  }

  /** Octets written since the last `take`. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /** The peer's SETTINGS_MAX_FRAME_SIZE, at which HEADERS and DATA are split. */
  get peerMaxFrameSize(): number {
    return this.maxFrameSize;
  }

  /** Applies the peer's SETTINGS_MAX_FRAME_SIZE (already validated by settings.ts). */
  setPeerMaxFrameSize(size: number): void {
    assert(
      Number.isInteger(size) && size >= frameSizeMin && size <= frameSizeMax,
      () => `max frame size ${size} outside ${frameSizeMin}..${frameSizeMax}`,
    );
    this.maxFrameSize = size;
  }

  /**
   * The frames written since the last call, to write to the socket; an empty Buffer when none.
   * The returned Buffer is the caller's: the writer never writes into it again.
   */
  take(): Buffer {
    const out = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    if (this.slab.length > this.slabBytes) {
      // Grown for one large turn: let it go with the socket's write rather than keep it for
      // the connection's life (a connection mostly idle would hold megabytes).
      this.slab = Buffer.allocUnsafe(this.slabBytes);
      this.start = 0;
      this.end = 0;
    }
    return out;
  }

  /** The slab's size: what this writer holds between turns (for tests and metrics). */
  get retainedBytes(): number {
    return this.slab.length;
  }

  /** SETTINGS (Section 6.5) with the given entries. */
  writeSettings(entries: readonly SettingsEntry[]): void {
    for (const { id, value } of entries) {
      assert(id >= 0 && id <= 0xffff && Number.isInteger(id), () => `settings id ${id}`);
      assertUint32(value, 'settings value');
    }
    const length = entries.length * settingsEntryBytes;
    let at = this.frame(length, FrameType.SETTINGS, 0, 0);
    for (const { id, value } of entries) {
      this.slab.writeUInt16BE(id, at);
      this.slab.writeUInt32BE(value, at + 2);
      at += settingsEntryBytes;
    }
  }

  /** SETTINGS with ACK: acknowledges the peer's SETTINGS once applied (Section 6.5.3). */
  writeSettingsAck(): void {
    this.frame(0, FrameType.SETTINGS, FrameFlag.ACK, 0);
  }

  /** PING (Section 6.7) with 8 octets of opaque data. */
  writePing(data: Uint8Array): void {
    this.ping(data, 0);
  }

  /** PING ACK echoing the peer's PING data, as Section 6.7 requires. */
  writePingAck(data: Uint8Array): void {
    this.ping(data, FrameFlag.ACK);
  }

  /** WINDOW_UPDATE (Section 6.9); `streamId` 0 for the connection window. */
  writeWindowUpdate(streamId: number, increment: number): void {
    assertStreamId(streamId);
    assert(
      Number.isInteger(increment) && increment >= 1 && increment <= uint31Max,
      () => `window increment ${increment} outside 1..2^31-1`,
    );
    const at = this.frame(4, FrameType.WINDOW_UPDATE, 0, streamId);
    this.slab.writeUInt32BE(increment, at);
  }

  /** RST_STREAM (Section 6.4). */
  writeRstStream(streamId: number, code: ErrorCode): void {
    assert(streamId > 0, 'RST_STREAM needs a stream');
    assertStreamId(streamId);
    const at = this.frame(4, FrameType.RST_STREAM, 0, streamId);
    this.slab.writeUInt32BE(code, at);
  }

  /**
   * GOAWAY (Section 6.8). Debug data longer than a frame allows is cut; it is diagnostic only.
   */
  writeGoaway(lastStreamId: number, code: ErrorCode, debugData?: Uint8Array): void {
    assertStreamId(lastStreamId);
    const debugBytes = Math.min(debugData?.length ?? 0, this.maxFrameSize - goawayFixedBytes);
    const at = this.frame(goawayFixedBytes + debugBytes, FrameType.GOAWAY, 0, 0);
    this.slab.writeUInt32BE(lastStreamId, at);
    this.slab.writeUInt32BE(code, at + 4);
    if (debugData !== undefined && debugBytes > 0) {
      this.slab.set(debugData.subarray(0, debugBytes), at + goawayFixedBytes);
    }
  }

  /**
   * A header block as HEADERS, followed by CONTINUATION frames when it is longer than the
   * peer's max frame size (Section 4.3: the frames are contiguous, as nothing else is written
   * between them). END_STREAM goes on the HEADERS frame (it covers the CONTINUATIONs too),
   * END_HEADERS on the last frame.
   */
  writeHeaders(streamId: number, headerBlock: Uint8Array, endStream: boolean): void {
    assert(streamId > 0, 'HEADERS needs a stream');
    assertStreamId(streamId);
    const total = headerBlock.length;
    this.reserve(total + frameHeaderBytes * frameCount(total, this.maxFrameSize));
    let offset = 0;
    let type: number = FrameType.HEADERS;
    let flags = endStream ? FrameFlag.END_STREAM : 0;
    for (;;) {
      const length = Math.min(total - offset, this.maxFrameSize);
      const last = offset + length === total;
      const at = this.frame(length, type, last ? flags | FrameFlag.END_HEADERS : flags, streamId);
      this.copy(headerBlock, offset, length, at);
      offset += length;
      if (last) return;
      type = FrameType.CONTINUATION;
      flags = 0;
    }
  }

  /**
   * `data` as DATA frames of at most the peer's max frame size, END_STREAM on the last. Empty
   * data with `endStream` is one empty DATA frame (ending a stream without more bytes).
   */
  writeData(streamId: number, data: Uint8Array, endStream: boolean): void {
    assert(streamId > 0, 'DATA needs a stream');
    assertStreamId(streamId);
    const total = data.length;
    this.reserve(total + frameHeaderBytes * frameCount(total, this.maxFrameSize));
    let offset = 0;
    for (;;) {
      const length = Math.min(total - offset, this.maxFrameSize);
      const last = offset + length === total;
      const flags = last && endStream ? FrameFlag.END_STREAM : 0;
      const at = this.frame(length, FrameType.DATA, flags, streamId);
      this.copy(data, offset, length, at);
      offset += length;
      if (last) return;
    }
  }

  private ping(data: Uint8Array, flags: number): void {
    assert(data.length === pingBytes, () => `PING data of ${data.length} octets, not 8`);
    const at = this.frame(pingBytes, FrameType.PING, flags, 0);
    this.slab.set(data, at);
  }

  /** Copies source[offset, offset + length) to the slab at `at`. */
  private copy(source: Uint8Array, offset: number, length: number, at: number): void {
    if (length <= 64) {
      // A loop beats TypedArray#set's fixed cost on the small blocks gRPC mostly sends.
      const slab = this.slab;
      for (let i = 0; i < length; i++) slab[at + i] = source[offset + i] as number;
    } else if (offset === 0 && length === source.length) {
      this.slab.set(source, at);
    } else {
      this.slab.set(source.subarray(offset, offset + length), at);
    }
  }

  /** Appends a frame header with room for `length` payload octets; returns the payload offset. */
  private frame(length: number, type: number, flags: number, streamId: number): number {
    if (length > this.maxFrameSize) throw new AssertionError(`frame of ${length} octets`);
    this.reserve(frameHeaderBytes + length);
    const slab = this.slab;
    const at = this.end;
    slab[at] = length >>> 16;
    slab[at + 1] = (length >>> 8) & 0xff;
    slab[at + 2] = length & 0xff;
    slab[at + 3] = type;
    slab[at + 4] = flags;
    slab[at + 5] = streamId >>> 24;
    slab[at + 6] = (streamId >>> 16) & 0xff;
    slab[at + 7] = (streamId >>> 8) & 0xff;
    slab[at + 8] = streamId & 0xff;
    this.end = at + frameHeaderBytes + length;
    return at + frameHeaderBytes;
  }

  /** Makes room for `bytes` more octets after the pending ones. */
  private reserve(bytes: number): void {
    if (this.slab.length - this.end >= bytes) return;
    const pending = this.end - this.start;
    // Doubling keeps a turn with many frames at amortized O(1) copies per octet.
    const next = Buffer.allocUnsafe(Math.max(this.slabBytes, 2 * (pending + bytes)));
    this.slab.copy(next, 0, this.start, this.end);
    this.slab = next;
    this.start = 0;
    this.end = pending;
  }
}

/** How many frames `bytes` of payload take at `maxFrameSize` each (at least one). */
export function frameCount(bytes: number, maxFrameSize: number): number {
  return Math.max(1, Math.ceil(bytes / maxFrameSize));
}

// Checks on the hot path build their message only when they fail: no closure per frame.
function assertStreamId(streamId: number): void {
  if (!(Number.isInteger(streamId) && streamId >= 0 && streamId <= uint31Max)) {
    throw new AssertionError(`stream id ${streamId} outside 0..2^31-1`);
  }
}

function assertUint32(value: number, what: string): void {
  assert(
    Number.isInteger(value) && value >= 0 && value <= uint32Max,
    () => `${what} ${value} outside 0..2^32-1`,
  );
}
