/**
 * The fault proxy: where network namespaces are not available, partitions happen here. Each
 * member advertises a peer URL on loopback that is this proxy, which forwards to the port the
 * member really listens on. Every peer connection starts with the dialer's hello frame
 * (src/transport/frame.ts: length, kind 1, version, cluster ID, sender ID, purpose), so the
 * proxy reads the sender's member ID from it and knows which link (sender -> this member) the
 * connection carries.
 *
 * A cut link is a blackhole, as dropped packets are: its connections are destroyed, and new
 * ones are accepted but nothing is forwarded either way (the dialer believes it is connected
 * and its messages vanish). Healing destroys the held connections, so both ends reconnect
 * with clean framing. Only 127.0.0.1 is ever used.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** 4-byte length + kind byte + 18-byte hello payload. */
const helloBytes = 23;
const helloKind = 1;

interface Flow {
  readonly from: bigint;
  readonly client: Socket;
  upstream?: Socket;
}

export class FaultProxy {
  private readonly flowSet = new Set<Flow>();
  private server: Server | undefined;
  /** Member IDs whose links with this member are cut. */
  private readonly cut = new Set<bigint>();
  /** Connections whose first bytes were not a hello we understand (a bug, counted). */
  unknownConnections = 0;

  constructor(
    /** The port the member's peers dial (its advertised peer port). */
    readonly listenPort: number,
    /** The port the member listens on. */
    readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Cuts (true) or restores (false) the link between this member and member `peer`. */
  setCut(peer: bigint, cut: boolean): void {
    if (cut === this.cut.has(peer)) return;
    if (cut) this.cut.add(peer);
    else this.cut.delete(peer);
    // Either way the connections of that link go: a cut kills them now, a heal drops the held
    // (silent) ones so the ends reconnect through the proxy afresh.
    for (const flow of [...this.flowSet]) if (flow.from === peer) this.drop(flow);
  }

  /** Connections whose sender is known (forwarded or blackholed). */
  get flows(): number {
    return this.flowSet.size;
  }

  healAll(): void {
    for (const peer of [...this.cut]) this.setCut(peer, false);
  }

  async close(): Promise<void> {
    for (const flow of [...this.flowSet]) this.drop(flow);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < helloBytes) return;
      client.off('data', onData);
      client.pause();
      const from = readHelloSender(head);
      if (from === undefined) {
        this.unknownConnections++;
        client.destroy();
        return;
      }
      const flow: Flow = { from, client };
      this.flowSet.add(flow);
      client.once('close', () => this.drop(flow));
      if (this.cut.has(from)) {
        // Blackhole: keep the connection, read and discard.
        client.on('data', () => undefined);
        client.resume();
        return;
      }
      this.forward(flow, head);
    };
    client.on('data', onData);
  }

  private forward(flow: Flow, head: Buffer): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort, noDelay: true });
    flow.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.once('close', () => this.drop(flow));
    upstream.once('connect', () => {
      upstream.write(head);
      flow.client.pipe(upstream);
      upstream.pipe(flow.client);
      flow.client.resume();
    });
  }

  private drop(flow: Flow): void {
    if (!this.flowSet.delete(flow)) return;
    flow.client.destroy();
    flow.upstream?.destroy();
  }
}

/** The sender's member ID from a connection's first bytes, or undefined if not a hello. */
function readHelloSender(head: Buffer): bigint | undefined {
  if (head.readUInt32BE(0) !== helloBytes - 4 || head[4] !== helloKind) return undefined;
  // Payload: version (1 byte), cluster ID (8), sender ID (8), purpose (1).
  return head.readBigUInt64BE(5 + 9);
}
