/**
 * The server's open streams (Watch, LeaseKeepAlive, Snapshot, Election.Observe; see
 * ./server-stream.ts), so close() can end them: a stream never ends by itself while its
 * client is connected.
 */
export interface OpenStream {
  /** Stops the stream's work and ends the call with UNAVAILABLE "etcdserver: server stopped". */
  shutdown(): void;
}

export class StreamRegistry {
  private readonly open = new Set<OpenStream>();
  private closed = false;

  /** Registers a stream; false once the server is closing (the caller ends the call itself). */
  add(stream: OpenStream): boolean {
    if (this.closed) return false;
    this.open.add(stream);
    return true;
  }

  delete(stream: OpenStream): void {
    this.open.delete(stream);
  }

  get size(): number {
    return this.open.size;
  }

  shutdownAll(): void {
    this.closed = true;
    for (const stream of [...this.open]) stream.shutdown();
    this.open.clear();
  }
}
