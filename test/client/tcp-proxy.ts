/**
 * A TCP proxy in front of one member's client port, for faults a client must survive that
 * killing a process cannot make: `holdResponses()` keeps forwarding requests to the member
 * but drops everything it answers (the request is applied, the answer is lost), and
 * `reset()` destroys every connection and forwards normally again. Only 127.0.0.1.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private holding = false;
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
    this.holding = true;
  }

  /** Destroys every connection; new ones are forwarded both ways. */
  reset(): void {
    this.holding = false;
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
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (!this.holding) client.write(chunk);
    });
  }
}
