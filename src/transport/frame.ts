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
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const frameBytesMax = 64 * MiB;
export const transportFormatVersion = 1;

export interface Frame {
  readonly kind: number;
  readonly payload: Uint8Array;
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  if (payload.length + 1 > frameBytesMax) {
    throw new ConcordError(
      'RequestTooLarge',
      `peer frame of ${payload.length} bytes is over the limit`,
    );
  }
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length + 1);
  out[4] = kind;
  out.set(payload, 5);
  return out;
}

/** Splits a byte stream into frames. Throws ConcordError 'Corrupt' on an impossible length. */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  push(chunk: Uint8Array): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (length === 0 || length > frameBytesMax) {
        throw new ConcordError('Corrupt', `peer frame length ${length} is out of range`);
      }
      if (this.buffered < 4 + length) break;
      const bytes = this.take(4 + length);
      frames.push({ kind: bytes[4]!, payload: bytes.subarray(5) });
    }
    return frames;
  }

  private peek(n: number): Uint8Array {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    return this.concat().subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const all = this.chunks[0]!.length >= n ? this.chunks[0]! : this.concat();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return out;
  }

  private concat(): Uint8Array {
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [all];
    return all;
  }
}

/** Why a connection was opened: the peer's one message link, or one snapshot transfer. */
export type ConnectionPurpose = 'link' | 'snapshot';

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
  out[17] = purpose === 'link' ? 0 : 1;
  return out;
}

export function decodeHello(payload: Uint8Array): {
  clusterId: bigint;
  from: bigint;
  purpose: ConnectionPurpose;
} {
  if (payload.length !== 18 || payload[0] !== transportFormatVersion || payload[17]! > 1) {
    throw new ConcordError('Corrupt', 'peer hello is malformed or of another format version');
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    clusterId: view.getBigUint64(1),
    from: view.getBigUint64(9),
    purpose: payload[17] === 0 ? 'link' : 'snapshot',
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
