/**
 * A TCP proxy in front of one member's client port, for faults a client must survive that
 * killing a process cannot make: `holdResponses()` keeps forwarding requests to the member
 * but drops everything it answers (the request is applied, the answer is lost);
 * `holdAnswers()` drops only the answers to requests that carry a message, so that a
 * connection opened afterwards still completes its HTTP/2 handshake (stream 0) and a call
 * with an empty request (Concord's client probes with an empty Txn) is answered; `reset()`
 * destroys every connection and forwards normally again. Only 127.0.0.1, plaintext.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private holding: 'nothing' | 'everything' | 'answers' = 'nothing';
  port = 0;

  constructor(private readonly target: string) {}

  static async start(target: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('no address');
    proxy.port = address.port;
    proxy.server = server;
    return proxy;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** From now on, drop what the member sends back (requests still reach it). */
  holdResponses(): void {
    this.holding = 'everything';
  }

  /**
   * From now on, drop the member's frames on every stream whose request carried a message
   * (more DATA than an empty gRPC message's 5-byte prefix); the connection's own frames and
   * the answers to empty requests still go through.
   */
  holdAnswers(): void {
    this.holding = 'answers';
  }

  /** Destroys every connection; new ones are forwarded both ways. */
  reset(): void {
    this.holding = 'nothing';
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.reset();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const [host, port] = this.target.split(':');
    const upstream = connect(Number(port), host!);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    // Both directions are read frame by frame (9-byte header: 24-bit length, type, flags,
    // 31-bit stream ID), so that what is dropped is whole frames.
    const messageStreams = new Set<number>();
    const requestBytes = new Map<number, number>();
    client.on(
      'data',
      frames(24, (frame, type, stream) => {
        upstream.write(frame);
        if (type !== 0) return; // DATA
        const bytes = (requestBytes.get(stream) ?? 0) + frame.length - 9;
        requestBytes.set(stream, bytes);
        if (bytes > 5) messageStreams.add(stream);
      }),
    );
    upstream.on(
      'data',
      frames(0, (frame, _type, stream) => {
        const dropped =
          this.holding === 'everything' ||
          (this.holding === 'answers' && messageStreams.has(stream));
        if (!dropped) client.write(frame);
      }),
    );
  }
}

/**
 * A 'data' listener that hands on the bytes before the first frame (the client's 24-byte
 * connection preface) as they are, then each whole frame with its type and stream ID.
 */
function frames(
  prefaceBytes: number,
  onFrame: (frame: Buffer, type: number, stream: number) => void,
): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let preface = prefaceBytes;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (preface > 0) {
      if (pending.length < preface) return;
      onFrame(pending.subarray(0, preface), -1, 0);
      pending = pending.subarray(preface);
      preface = 0;
    }
    while (pending.length >= 9) {
      const end = 9 + pending.readUIntBE(0, 3);
      if (pending.length < end) return;
      onFrame(pending.subarray(0, end), pending[3]!, pending.readUInt32BE(5) & 0x7fffffff);
      pending = pending.subarray(end);
    }
  };
}
