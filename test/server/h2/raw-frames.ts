/**
 * Raw HTTP/2 framing for the test peers (RFC 9113 Sections 3.4, 4.1, 6.2, 6.10): build a frame
 * from its fields, cut a byte stream into frames, and join a HEADERS frame and its
 * CONTINUATIONs into one header block. Deliberately independent of src/server/h2's frame layer
 * (no FrameReader, no FrameWriter), so a test built on it checks that layer or HPACK against
 * framing of its own, not against itself.
 */

/** The client connection preface (3.4), spelled out rather than imported. */
export const rawPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const rawType = {
  data: 0x0,
  headers: 0x1,
  settings: 0x4,
  ping: 0x6,
  goaway: 0x7,
  continuation: 0x9,
} as const;
export const rawFlag = {
  endStream: 0x1,
  ack: 0x1,
  endHeaders: 0x4,
  padded: 0x8,
  priority: 0x20,
} as const;
const headerBytes = 9;

/** One frame as it came off the wire; `payload` is a view of the reader's input. */
export interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** A frame with any length, type, flags and stream id (4.1); `length` overrides. */
export function rawFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
  length = payload.length,
): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId >>> 0, 5);
  return Buffer.concat([header, payload]);
}

/** One SETTINGS parameter (6.5.1): 16-bit id, 32-bit value. */
export function rawSetting(id: number, value: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeUInt16BE(id, 0);
  out.writeUInt32BE(value, 2);
  return out;
}

/**
 * Cuts a byte stream into whole frames, holding a split frame's start until it completes. A
 * server's splitter (`preface`) first checks and drops the client preface, however it is cut.
 */
export class RawFrameSplitter {
  private buffered: Buffer = Buffer.alloc(0);
  private prefaceLeft: boolean;

  constructor(preface = false) {
    this.prefaceLeft = preface;
  }

  /** The frames `chunk` completes, in order; throws on a bad client preface. */
  push(chunk: Buffer): RawFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: RawFrame[] = [];
    if (this.prefaceLeft) {
      const seen = this.buffered.subarray(0, rawPreface.length);
      if (!seen.equals(rawPreface.subarray(0, seen.length))) throw new Error('bad client preface');
      if (seen.length < rawPreface.length) return frames;
      this.buffered = this.buffered.subarray(rawPreface.length);
      this.prefaceLeft = false;
    }
    while (this.buffered.length >= headerBytes) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < headerBytes + length) break;
      frames.push({
        type: this.buffered[3] as number,
        flags: this.buffered[4] as number,
        streamId: this.buffered.readUInt32BE(5) & 0x7fff_ffff,
        payload: this.buffered.subarray(headerBytes, headerBytes + length),
      });
      this.buffered = this.buffered.subarray(headerBytes + length);
    }
    return frames;
  }
}

/** A complete header block and the stream it belongs to. */
export interface RawHeaderBlock {
  readonly streamId: number;
  readonly block: Buffer;
  /** How many CONTINUATION frames carried part of it. */
  readonly continuations: number;
}

/** Joins HEADERS (padding and priority fields removed) and CONTINUATION payloads (6.2, 6.10). */
export class RawHeaderBlocks {
  private fragments: Buffer[] = [];
  private streamId = 0;
  private continuations = 0;

  /** Takes a HEADERS or CONTINUATION frame; returns the block once END_HEADERS completes it. */
  add(frame: RawFrame): RawHeaderBlock | undefined {
    let payload = frame.payload;
    if (frame.type === rawType.headers) {
      if (frame.flags & rawFlag.padded) {
        payload = payload.subarray(1, payload.length - (payload[0] as number));
      }
      if (frame.flags & rawFlag.priority) payload = payload.subarray(5);
      this.fragments = [];
      this.streamId = frame.streamId;
      this.continuations = 0;
    } else {
      this.continuations++;
    }
    this.fragments.push(Buffer.from(payload));
    if ((frame.flags & rawFlag.endHeaders) === 0) return undefined;
    const block = Buffer.concat(this.fragments);
    this.fragments = [];
    return { streamId: this.streamId, block, continuations: this.continuations };
  }
}
