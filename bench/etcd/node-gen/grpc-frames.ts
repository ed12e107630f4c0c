/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: a flag byte (0: not compressed), a
 * 4-byte big-endian length, the message. Chunks split and join messages freely.
 */

/** `message` with its prefix, uncompressed. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** Reassembles messages from a stream's data chunks. */
export class GrpcFrames {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** The next whole message, or undefined until more has arrived. */
  next(): Buffer | undefined {
    if (this.pending.length < 5) return undefined;
    if (this.pending[0] !== 0) throw new Error('compressed gRPC message: not asked for');
    const end = 5 + this.pending.readUInt32BE(1);
    if (this.pending.length < end) return undefined;
    const message = this.pending.subarray(5, end);
    this.pending = this.pending.subarray(end);
    return message;
  }
}
