import type { Message, NodeId } from './types.js';

/** A ReadIndex request waiting for a quorum of heartbeat acks (Raft dissertation 6.4). */
interface ReadIndexStatus {
  readonly request: Message;
  /** The commit index when the request arrived: the read is served once applied reaches it. */
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/**
 * Pending linearizable reads on a leader. Each is confirmed by a round of heartbeats carrying
 * its context: once a majority answers, the leader knows it was still leader when the read
 * arrived, so its commit index at that moment covers every write acknowledged before it.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private readonly queue: string[] = [];

  constructor(private readonly pendingMax: number) {}

  get size(): number {
    return this.queue.length;
  }

  /** Adds a request; returns false when the queue is full (the request is dropped). */
  addRequest(index: number, request: Message): boolean {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return true; // a duplicate: the first one answers it
    if (this.queue.length >= this.pendingMax) return false;
    this.pending.set(key, { request, index, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  /** Records a heartbeat ack for the request with `context`; returns the acks so far. */
  recvAck(id: NodeId, context: Uint8Array | undefined): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return undefined;
    status.acks.add(id);
    return status.acks;
  }

  /**
   * Dequeues the request with `context` and every request queued before it: confirming a
   * later request confirms the earlier ones too.
   */
  advance(context: Uint8Array | undefined): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const keys = this.queue.splice(0, at + 1);
    const done: ReadIndexStatus[] = [];
    for (const k of keys) {
      done.push(this.pending.get(k)!);
      this.pending.delete(k);
    }
    return done;
  }

  /** The context of the newest pending request, to ride on the next heartbeat. */
  lastPendingContext(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.request.context;
  }
}

function contextKey(context: Uint8Array | undefined): string {
  if (context === undefined) return '';
  let key = '';
  for (let i = 0; i < context.length; i++) key += String.fromCharCode(context[i]!);
  return key;
}
