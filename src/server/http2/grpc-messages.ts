/**
 * gRPC's message framing on an HTTP/2 stream, for the fast path (./fast-path-call.ts,
 * ./fast-path-stream.ts): each message is a 5-byte prefix (a compressed flag, a big-endian
 * length) and that many bytes, over any number of DATA frames.
 */
import { status as grpcStatus } from '@grpc/grpc-js';

export const prefixBytes = 5;

/** Where a MessageReader's messages go. */
export interface MessageSink {
  /** A whole message (a view of the received bytes); false: read no further. */
  onRequestMessage(message: Buffer): boolean;
  /** A message is longer than allowed: grpc-js's status for it; nothing more is read. */
  onRequestTooLarge(status: { code: number; details: string }): void;
}

/**
 * Splits a request body into messages as its chunks arrive. A message's bytes are joined
 * once they are all there, not per chunk: a large request comes in many DATA frames.
 */
export class MessageReader {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** How many held bytes make the next step: the length prefix, or the whole message. */
  private heldNeeded = 0;

  /** `maxBytes`: grpc.max_receive_message_length (-1: none). */
  constructor(
    private readonly sink: MessageSink,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let bytes = chunk;
    if (this.held.length > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < this.heldNeeded) return;
      bytes = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
    }
    while (bytes.length >= prefixBytes) {
      const length = bytes.readUInt32BE(1);
      const max = this.maxBytes;
      if (max !== -1 && length > max) {
        // As grpc-js: refused as soon as the prefix says so.
        this.sink.onRequestTooLarge({
          code: grpcStatus.RESOURCE_EXHAUSTED,
          details: `Received message larger than max (${length} vs ${max})`,
        });
        return;
      }
      if (bytes.length < prefixBytes + length) break;
      const message = bytes.subarray(prefixBytes, prefixBytes + length);
      bytes = bytes.subarray(prefixBytes + length);
      if (!this.sink.onRequestMessage(message)) return;
    }
    if (bytes.length === 0) return;
    this.held = [bytes];
    this.heldBytes = bytes.length;
    this.heldNeeded =
      bytes.length < prefixBytes ? prefixBytes : prefixBytes + bytes.readUInt32BE(1);
  }
}

/** `bytes` as one uncompressed gRPC message. */
export function frameMessage(bytes: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(prefixBytes + bytes.length);
  frame[0] = 0; // not compressed
  frame.writeUInt32BE(bytes.length, 1);
  bytes.copy(frame, prefixBytes);
  return frame;
}
