import { ConcordError } from '../base/errors.js';
import { MiB } from '../base/limits.js';

/**
 * Frames on a peer connection: a 4-byte big-endian length (of kind + payload), a kind byte,
 * then the payload. Length-prefixed so a reader never guesses, bounded so a peer cannot make
 * us buffer without limit.
 */
export const FrameKind = {
  /** First frame of every connection: format version, cluster ID, sender ID. */
  hello: 1,
  /** A batch of Raft messages. */
  messages: 2,
  /** A piece of a snapshot message being streamed (on its own connection). */
  snapshotChunk: 3,
  /** The snapshot is complete: decode and deliver it. */
  snapshotEnd: 4,
  /** The receiver delivered the snapshot. */
  snapshotAck: 5,
  /** A request to the peer (e.g. a lease renewal forwarded to the leader). */
  rpcRequest: 6,
  rpcResponse: 7,
  /** A round-trip probe: the payload (the sender's clock) comes back in a pong. */
  ping: 8,
  pong: 9,
  /**
   * The answer to a hello from a member the cluster removed (etcd's 410 Gone): the sender
   * must stop, and the connection closes.
   */
  removed: 10,
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const frameBytesMax = 64 * MiB;
export const transportFormatVersion = 1;

export interface Frame {
  readonly kind: number;
  readonly payload: Uint8Array;
}

/** A frame's header: the length (of kind + payload), then the kind. */
export const frameHeaderBytes = 5;

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(frameHeaderBytes + payload.length);
  out.set(payload, frameHeaderBytes);
  return sealFrame(kind, out);
}

/**
 * Writes the header into the first {@link frameHeaderBytes} of `frame`, whose payload is
 * already in place after them (an encoder that leaves room saves a copy), and returns it.
 */
export function sealFrame(kind: FrameKind, frame: Uint8Array): Uint8Array {
  const payloadBytes = frame.length - frameHeaderBytes;
  if (payloadBytes + 1 > frameBytesMax) {
    throw new ConcordError(
      'RequestTooLarge',
      `peer frame of ${payloadBytes} bytes is over the limit`,
    );
  }
  const length = payloadBytes + 1;
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
  frame[4] = kind;
  return frame;
}

/**
 * Splits a byte stream into frames. Throws ConcordError 'Corrupt' on an impossible length.
 * A frame's payload is a view of the chunk it came in (copied only when it spans chunks).
 */
export class FrameDecoder {
  // Unread bytes: chunks[0] from `offset` on, then the rest of the chunks.
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private buffered = 0;

  /** Takes the next chunk of the stream and calls `onFrame` for each frame it completes. */
  push(chunk: Uint8Array, onFrame: (frame: Frame) => void): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length === 0 || length > frameBytesMax) {
        throw new ConcordError('Corrupt', `peer frame length ${length} is out of range`);
      }
      if (this.buffered < 4 + length) break;
      if (this.chunks[0]!.length - this.offset < 4 + length) this.merge();
      const first = this.chunks[0]!;
      const start = this.offset;
      this.offset += 4 + length;
      this.buffered -= 4 + length;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      onFrame({ kind: first[start + 4]!, payload: first.subarray(start + 5, start + 4 + length) });
    }
  }

  private peekLength(): number {
    if (this.chunks[0]!.length - this.offset < 4) this.merge();
    const b = this.chunks[0]!;
    const at = this.offset;
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  }

  /** Copies every unread byte into one chunk. */
  private merge(): void {
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = i === 0 ? this.chunks[0]!.subarray(this.offset) : this.chunks[i]!;
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [all];
    this.offset = 0;
  }
}

/**
 * Why a connection was opened: the peer's one message link, one snapshot transfer, or a
 * probe (is the sender still a member?) that the peer answers with a hello or `removed`.
 */
export type ConnectionPurpose = 'link' | 'snapshot' | 'probe';

const purposes: readonly ConnectionPurpose[] = ['link', 'snapshot', 'probe'];

export function encodeHello(
  clusterId: bigint,
  from: bigint,
  purpose: ConnectionPurpose,
): Uint8Array {
  const out = new Uint8Array(18);
  const view = new DataView(out.buffer);
  out[0] = transportFormatVersion;
  view.setBigUint64(1, clusterId);
  view.setBigUint64(9, from);
  out[17] = purposes.indexOf(purpose);
  return out;
}

export function decodeHello(payload: Uint8Array): {
  clusterId: bigint;
  from: bigint;
  purpose: ConnectionPurpose;
} {
  if (
    payload.length !== 18 ||
    payload[0] !== transportFormatVersion ||
    payload[17]! >= purposes.length
  ) {
    throw new ConcordError('Corrupt', 'peer hello is malformed or of another format version');
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    clusterId: view.getBigUint64(1),
    from: view.getBigUint64(9),
    purpose: purposes[payload[17]!]!,
  };
}

/** An RPC frame's payload: a 32-bit call ID, then the body. */
export function encodeRpc(callId: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, callId);
  out.set(body, 4);
  return out;
}

export function decodeRpc(payload: Uint8Array): { callId: number; body: Uint8Array } {
  if (payload.length < 4) throw new ConcordError('Corrupt', 'peer rpc frame too short');
  const callId = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  return { callId, body: payload.subarray(4) };
}
