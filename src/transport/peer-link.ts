import type { Socket } from 'node:net';
import type { Message, NodeId } from '../raft/types.js';
import { encodeMessagesFrame } from './message-codec.js';

export interface PeerLinkOptions {
  /** Messages waiting for the socket, at most; past it they are dropped (Raft resends). */
  readonly queueMessagesMax: number;
  /** Messages in one frame, at most (one batch per flush). */
  readonly batchMessagesMax: number;
  /** The peer could not take messages: Raft stops streaming to it and probes. */
  readonly onUnreachable: (id: NodeId) => void;
}

/**
 * The one connection to one peer, and the messages waiting for it. A slow or dead peer only
 * fills its own bounded queue: sends never block, and what overflows is dropped and reported,
 * which makes Raft fall back to probing that follower.
 */
export class PeerLink {
  private socket: Socket | undefined;
  private queue: Message[] = [];
  private blocked = false;
  private unreachableReported = false;
  /** Bytes written to this peer's connections, and read from them (for metrics). */
  sentBytes = 0;
  receivedBytes = 0;

  constructor(
    readonly id: NodeId,
    public urls: readonly string[],
    private readonly options: PeerLinkOptions,
  ) {}

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Uses `socket` for this peer from now on (a new connection replaces an old one). */
  attach(socket: Socket): void {
    if (this.socket !== undefined && this.socket !== socket) this.socket.destroy();
    this.socket = socket;
    this.blocked = false;
    this.unreachableReported = false;
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.flush();
  }

  detach(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Queues `message` for the next flush (or drops it and reports the peer unreachable). */
  enqueue(message: Message): void {
    if (this.socket === undefined || this.queue.length >= this.options.queueMessagesMax) {
      this.reportUnreachable();
      return;
    }
    this.queue.push(message);
  }

  /** Writes a raw frame (RPC traffic) if connected; false otherwise. */
  write(frame: Uint8Array): boolean {
    if (this.socket === undefined) return false;
    this.sentBytes += frame.length;
    if (!this.socket.write(frame)) this.blocked = true;
    return true;
  }

  private reportUnreachable(): void {
    // Once per outage is enough: Raft is already probing.
    if (this.unreachableReported) return;
    this.unreachableReported = true;
    this.options.onUnreachable(this.id);
  }

  /**
   * Writes what is queued, a frame per batch, while the socket takes it; the rest waits for
   * its 'drain'.
   */
  flush(): void {
    while (this.queue.length > 0 && this.socket !== undefined && !this.blocked) {
      const batch = this.queue.splice(0, this.options.batchMessagesMax);
      const frame = encodeMessagesFrame(batch);
      this.sentBytes += frame.length;
      const ok = this.socket.write(frame);
      if (!ok) this.blocked = true;
    }
  }
}
