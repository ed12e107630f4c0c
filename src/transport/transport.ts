import type { Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { TlsCredentials } from '../env/tls/tls-credentials.js';
import { ConcordError, isConcordError } from '../base/errors.js';
import { MiB } from '../base/limits.js';
import type { Message, NodeId } from '../raft/types.js';
import {
  decodeHello,
  decodeRpc,
  encodeFrame,
  encodeHello,
  encodeRpc,
  FrameDecoder,
  FrameKind,
  type ConnectionPurpose,
  type Frame,
} from './frame.js';
import { decodeMessages, encodeMessages } from './message-codec.js';
import { PeerLink } from './peer-link.js';
import { admitPeer, dialPeer, peerServer, readyEvent } from './peer-tls.js';

export type LogFn = (line: string, fields?: object) => void;

export interface TransportOptions {
  readonly selfId: NodeId;
  readonly clusterId: bigint;
  /** Where to accept peers (`http://host:port` or `https://`; port 0 picks one). */
  readonly listen: readonly URL[];
  /** Peer TLS (./peer-tls.ts): required for https:// listen URLs; used to dial https:// peers. */
  readonly tls?: TlsCredentials;
  /** Raft messages from peers (already decoded). */
  readonly onMessages: (messages: Message[]) => void;
  /** The outcome of sending a snapshot (Raft's ReportSnapshot). */
  readonly onSnapshotStatus: (to: NodeId, ok: boolean) => void;
  /** A peer could not be reached (Raft's ReportUnreachable). */
  readonly onUnreachable: (to: NodeId) => void;
  /** Answers a peer's request (e.g. a forwarded lease renewal). */
  readonly onRpc: (from: NodeId, body: Uint8Array) => Promise<Uint8Array>;
  /** A joining member (cluster ID 0) learned the cluster's ID from a peer's hello. */
  readonly onClusterId?: (clusterId: bigint) => void;
  /** Whether the cluster removed member `id`: its hellos are answered with `removed`. */
  readonly isRemoved?: (id: NodeId) => boolean;
  /** A peer answered our hello with `removed`: this member is no longer in the cluster. */
  readonly onRemoved?: () => void;
  /**
   * How often an unconnected peer with a lower ID (the one that dials) is probed, so that a
   * member removed while it was down learns so even from peers that no longer dial it
   * (default 5 s).
   */
  readonly probeIntervalMs?: number;
  /** A ping to a connected peer came back after `seconds` (etcd's peer round-trip time). */
  readonly onRoundTrip?: (peer: NodeId, seconds: number) => void;
  /** How often each connected peer is pinged (default 1 s). */
  readonly pingIntervalMs?: number;
  readonly log?: LogFn;
  readonly queueMessagesMax?: number;
  readonly snapshotBytesMax?: number;
  readonly rpcTimeoutMs?: number;
}

const backoffMinMs = 50;
const backoffMaxMs = 2000;
const helloTimeoutMs = 5000;
const probeIntervalMsDefault = 5000;
const snapshotChunkBytes = 1 * MiB;

/**
 * Member-to-member messages (DESIGN.md src/transport): one connection per peer pair (the
 * member with the lower ID dials, so two members never race to connect), length-prefixed
 * frames, a batch of Raft messages per frame, bounded queues, reconnect with backoff.
 * Snapshots travel in chunks on their own short-lived connection, so a large one never holds
 * up heartbeats.
 */
export class Transport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly dialers = new Map<NodeId, { stop: () => void }>();
  private readonly sockets = new Set<Socket>();
  private readonly calls = new Map<
    number,
    { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }
  >();
  private nextCallId = 1;
  private closed = false;
  private clusterId: bigint;
  private readonly log: LogFn;
  private readonly pinger: NodeJS.Timeout;
  private readonly prober: NodeJS.Timeout;
  private removedReported = false;

  private constructor(
    private readonly options: TransportOptions,
    private readonly servers: Server[],
    readonly urls: readonly URL[],
  ) {
    this.log = options.log ?? (() => undefined);
    this.clusterId = options.clusterId;
    for (const server of servers) {
      const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
      server.on(event, (socket: Socket) => {
        if (admitPeer(socket, options.tls, this.log)) this.accept(socket);
      });
    }
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs ?? 1000);
    this.pinger.unref();
    this.prober = setInterval(
      () => this.probe(),
      options.probeIntervalMs ?? probeIntervalMsDefault,
    );
    this.prober.unref();
  }

  static async listen(options: TransportOptions): Promise<Transport> {
    const servers: Server[] = [];
    const urls: URL[] = [];
    for (const url of options.listen) {
      const server = peerServer(url, options.tls, options.log ?? (() => undefined));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(url.port), url.hostname, () => resolve());
      });
      const address = server.address();
      const actual = new URL(url.href);
      if (address !== null && typeof address === 'object') actual.port = String(address.port);
      servers.push(server);
      urls.push(actual);
    }
    return new Transport(options, servers, urls);
  }

  /** Adds (or updates the URLs of) a peer; the lower ID of the pair starts dialing. */
  addPeer(id: NodeId, urls: readonly string[]): void {
    if (id === this.options.selfId || this.closed) return;
    let link = this.links.get(id);
    if (link === undefined) {
      link = new PeerLink(id, urls, {
        queueMessagesMax: this.options.queueMessagesMax ?? 4096,
        batchMessagesMax: 1024,
        onUnreachable: (to) => this.options.onUnreachable(to),
      });
      this.links.set(id, link);
    } else {
      link.urls = urls;
    }
    if (this.options.selfId < id && !this.dialers.has(id)) this.dial(link);
  }

  removePeer(id: NodeId): void {
    this.dialers.get(id)?.stop();
    this.dialers.delete(id);
    this.links.get(id)?.detach();
    this.links.delete(id);
  }

  peers(): NodeId[] {
    return [...this.links.keys()];
  }

  isConnected(id: NodeId): boolean {
    return this.links.get(id)?.connected ?? false;
  }

  /** Each peer's connection state and byte counts (for metrics). */
  peerStats(): { id: NodeId; connected: boolean; sentBytes: number; receivedBytes: number }[] {
    return [...this.links.values()].map((link) => ({
      id: link.id,
      connected: link.connected,
      sentBytes: link.sentBytes,
      receivedBytes: link.receivedBytes,
    }));
  }

  /**
   * Sends Raft messages; never blocks. What one call sends to a peer goes to its socket as
   * one frame before the call returns (the driver sends a Ready's messages in one call), so
   * whatever the caller does next, a follower's apply after its acks or a leader's WAL write
   * after its appends, is not ahead of them on the wire. Snapshots are streamed on their own
   * connection.
   */
  send(messages: readonly Message[]): void {
    for (const m of messages) {
      const link = this.links.get(m.to);
      if (link === undefined) {
        if (m.type === 'MsgSnap') this.options.onSnapshotStatus(m.to, false);
        continue;
      }
      if (m.type === 'MsgSnap') {
        void this.sendSnapshot(link, m);
        continue;
      }
      link.enqueue(m);
    }
    // A link with nothing queued (or a socket that is not taking more) writes nothing.
    for (const link of this.links.values()) link.flush();
  }

  /** A request to a peer over its link; rejects with 'Unavailable' when it cannot be had. */
  rpc(to: NodeId, body: Uint8Array): Promise<Uint8Array> {
    const link = this.links.get(to);
    const callId = this.nextCallId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (
        link === undefined ||
        !link.write(encodeFrame(FrameKind.rpcRequest, encodeRpc(callId, body)))
      ) {
        reject(new ConcordError('Unavailable', `member ${to.toString(16)} is not connected`));
        return;
      }
      const timer = setTimeout(() => {
        this.calls.delete(callId);
        reject(new ConcordError('Timeout', 'etcdserver: request timed out'));
      }, this.options.rpcTimeoutMs ?? 5000);
      timer.unref();
      this.calls.set(callId, {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    clearInterval(this.prober);
    for (const dialer of this.dialers.values()) dialer.stop();
    this.dialers.clear();
    for (const socket of this.sockets) socket.destroy();
    for (const call of this.calls.values())
      call.reject(new ConcordError('Stopped', 'etcdserver: server stopped'));
    this.calls.clear();
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  // ---- Connections ----

  private dial(link: PeerLink): void {
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const tryOnce = (): void => {
      // A removed member stops knocking; it is shutting down.
      if (stopped || this.closed || this.removedReported) return;
      const url = new URL(link.urls[attempt % Math.max(1, link.urls.length)] ?? 'http://0.0.0.0:0');
      const socket = this.open(url, 'link', (frame) => {
        if (frame.kind === FrameKind.hello) this.checkReplyHello(socket, frame.payload);
        else if (frame.kind === FrameKind.removed) {
          socket.destroy();
          this.learnRemoved(link.id);
        } else this.onFrame(socket, link.id, frame);
      });
      socket.once(readyEvent(socket), () => {
        attempt = 0;
        link.attach(socket);
      });
      socket.once('close', () => {
        if (stopped || this.closed) return;
        attempt++;
        const delay = Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.min(attempt, 6));
        timer = setTimeout(tryOnce, delay);
        timer.unref();
      });
    };
    this.dialers.set(link.id, {
      stop: () => {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
      },
    });
    tryOnce();
  }

  /** Dials `url` and says hello; frames from the peer go to `onFrame`. */
  private open(url: URL, purpose: ConnectionPurpose, onFrame: (frame: Frame) => void): Socket {
    const socket = dialPeer(url, this.options.tls, this.log);
    this.track(socket);
    socket.once(readyEvent(socket), () => {
      socket.write(
        encodeFrame(
          FrameKind.hello,
          encodeHello(this.options.clusterId, this.options.selfId, purpose),
        ),
      );
    });
    this.readFrames(socket, onFrame);
    return socket;
  }

  private accept(socket: Socket): void {
    this.track(socket);
    socket.setNoDelay(true);
    let peer: { id: NodeId; purpose: ConnectionPurpose } | undefined;
    const helloTimer = setTimeout(() => socket.destroy(), helloTimeoutMs);
    helloTimer.unref();
    let snapshot: Uint8Array[] = [];
    let snapshotBytes = 0;
    this.readFrames(socket, (frame) => {
      if (peer === undefined) {
        if (frame.kind !== FrameKind.hello)
          throw new ConcordError('Corrupt', 'peer spoke before hello');
        const hello = decodeHello(frame.payload);
        // A joining member does not know the cluster ID yet (0): it is let in only if it was
        // added (MemberAdd made it a peer). Anyone else must name our cluster.
        const joining = hello.clusterId === 0n && this.links.has(hello.from);
        if (hello.clusterId === 0n && this.clusterId !== 0n && !joining) {
          this.log('rejected an unknown joining peer', { from: hello.from.toString(16) });
          socket.destroy();
          return;
        }
        if (this.clusterId === 0n && hello.clusterId !== 0n) this.adoptClusterId(hello.clusterId);
        if (!joining && hello.clusterId !== this.clusterId) {
          this.log('rejected a peer from another cluster', {
            from: hello.from.toString(16),
            clusterId: hello.clusterId.toString(16),
          });
          socket.destroy();
          return;
        }
        // As etcd's peer handlers answer a removed member 410 Gone: it learns so and stops,
        // instead of campaigning and serving stale reads on its own for good.
        if (this.options.isRemoved?.(hello.from) === true) {
          this.log('rejected a removed member', { from: hello.from.toString(16) });
          clearTimeout(helloTimer);
          socket.end(encodeFrame(FrameKind.removed, new Uint8Array()));
          return;
        }
        if (hello.purpose === 'probe') {
          clearTimeout(helloTimer);
          socket.end(this.answerHello());
          return;
        }
        // Snapshots come from the leader, always a member we link to; a stranger's would be
        // buffered (up to snapshotBytesMax) for nothing.
        if (hello.purpose === 'snapshot' && !this.links.has(hello.from)) {
          this.log('rejected a snapshot from an unknown peer', { from: hello.from.toString(16) });
          socket.destroy();
          return;
        }
        clearTimeout(helloTimer);
        peer = { id: hello.from, purpose: hello.purpose };
        if (hello.purpose === 'link') {
          // Answer with our own hello, so a joining dialer learns the cluster ID.
          socket.write(this.answerHello());
          const known = this.links.has(hello.from);
          this.linkFor(hello.from).attach(socket);
          if (!known) socket.once('close', () => this.forgetStranger(hello.from));
        }
        return;
      }
      if (peer.purpose === 'snapshot') {
        if (frame.kind === FrameKind.snapshotChunk) {
          const link = this.links.get(peer.id);
          if (link !== undefined) link.receivedBytes += frame.payload.length + 5;
          snapshotBytes += frame.payload.length;
          if (snapshotBytes > (this.options.snapshotBytesMax ?? 4096 * MiB)) {
            throw new ConcordError('RequestTooLarge', 'peer snapshot is over the limit');
          }
          snapshot.push(frame.payload.slice());
        } else if (frame.kind === FrameKind.snapshotEnd) {
          const bytes = concat(snapshot, snapshotBytes);
          snapshot = [];
          this.options.onMessages(decodeMessages(bytes));
          socket.write(encodeFrame(FrameKind.snapshotAck, new Uint8Array()));
        }
        return;
      }
      this.onFrame(socket, peer.id, frame);
    });
  }

  /** Our hello in answer to a peer's: a joining dialer learns the cluster ID from it. */
  private answerHello(): Uint8Array {
    return encodeFrame(FrameKind.hello, encodeHello(this.clusterId, this.options.selfId, 'link'));
  }

  private checkReplyHello(socket: Socket, payload: Uint8Array): void {
    const hello = decodeHello(payload);
    if (this.clusterId === 0n && hello.clusterId !== 0n) this.adoptClusterId(hello.clusterId);
    else if (hello.clusterId !== 0n && hello.clusterId !== this.clusterId) {
      this.log('a peer belongs to another cluster', { clusterId: hello.clusterId.toString(16) });
      socket.destroy();
    }
  }

  /**
   * Asks each peer that should dial us but is not connected whether we are still a member:
   * the one way a member removed while it was down hears of it from peers with lower IDs,
   * which no longer dial it.
   */
  private probe(): void {
    if (this.closed || this.removedReported) return;
    for (const link of this.links.values()) {
      if (link.connected || link.id > this.options.selfId || link.urls.length === 0) continue;
      const url = new URL(link.urls[0]!);
      const socket = this.open(url, 'probe', (frame) => {
        if (frame.kind === FrameKind.removed) this.learnRemoved(link.id);
        socket.destroy();
      });
      socket.setTimeout(helloTimeoutMs, () => socket.destroy());
    }
  }

  private learnRemoved(by: NodeId): void {
    if (this.removedReported) return;
    this.removedReported = true;
    this.log('a peer says this member was removed from the cluster', { peer: by.toString(16) });
    this.options.onRemoved?.();
  }

  private adoptClusterId(clusterId: bigint): void {
    this.clusterId = clusterId;
    this.log('joined cluster', { clusterId: clusterId.toString(16) });
    this.options.onClusterId?.(clusterId);
  }

  /**
   * A link made for a sender we had not heard of goes when its connection does, unless the
   * sender has become a member meanwhile (addPeer gave it URLs): otherwise every hello with a
   * new sender ID would leave a link behind for good (memory, and a metrics label each).
   */
  private forgetStranger(id: NodeId): void {
    const link = this.links.get(id);
    if (link !== undefined && link.urls.length === 0 && !link.connected) this.removePeer(id);
  }

  private linkFor(id: NodeId): PeerLink {
    let link = this.links.get(id);
    if (link === undefined) {
      // A member we have not heard of yet (its addition is not applied here): talk to it anyway.
      this.addPeer(id, []);
      link = this.links.get(id)!;
    }
    return link;
  }

  private onFrame(socket: Socket, from: NodeId, frame: Frame): void {
    const link = this.links.get(from);
    if (link !== undefined) link.receivedBytes += frame.payload.length + 5;
    switch (frame.kind) {
      case FrameKind.messages:
        this.options.onMessages(decodeMessages(frame.payload));
        return;
      case FrameKind.rpcRequest: {
        const { callId, body } = decodeRpc(frame.payload);
        this.options.onRpc(from, body).then(
          (reply) => socket.write(encodeFrame(FrameKind.rpcResponse, encodeRpc(callId, reply))),
          (error: unknown) => {
            this.log('peer request failed', { from: from.toString(16), error: String(error) });
          },
        );
        return;
      }
      case FrameKind.ping:
        socket.write(encodeFrame(FrameKind.pong, frame.payload));
        return;
      case FrameKind.pong: {
        if (frame.payload.length !== 8) throw new ConcordError('Corrupt', 'peer pong is malformed');
        const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, 8);
        this.options.onRoundTrip?.(from, (performance.now() - view.getFloat64(0)) / 1000);
        return;
      }
      case FrameKind.rpcResponse: {
        const { callId, body } = decodeRpc(frame.payload);
        const call = this.calls.get(callId);
        this.calls.delete(callId);
        call?.resolve(body.slice());
        return;
      }
      default:
        throw new ConcordError('Corrupt', `unexpected peer frame kind ${frame.kind}`);
    }
  }

  /** Pings every connected peer; the pong carries the send time back (no state kept here). */
  private ping(): void {
    if (this.options.onRoundTrip === undefined) return;
    for (const link of this.links.values()) {
      if (!link.connected) continue;
      const payload = new Uint8Array(8);
      new DataView(payload.buffer).setFloat64(0, performance.now());
      link.write(encodeFrame(FrameKind.ping, payload));
    }
  }

  private readFrames(socket: Socket, onFrame: (frame: Frame) => void): void {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, onFrame);
      } catch (error) {
        // A peer that sends garbage is cut off; the member keeps running.
        if (!isConcordError(error)) throw error;
        this.log('closing a peer connection', { error: error.message });
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // 'close' follows; reconnects handle it
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private async sendSnapshot(link: PeerLink, message: Message): Promise<void> {
    const bytes = encodeMessages([message]);
    const url = new URL(link.urls[0] ?? 'http://0.0.0.0:0');
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      this.options.onSnapshotStatus(link.id, ok);
    };
    const socket = this.open(url, 'snapshot', (frame) => {
      if (frame.kind === FrameKind.snapshotAck) {
        finish(true);
        socket.end();
      }
    });
    socket.once('close', () => finish(false));
    socket.once(readyEvent(socket), () => {
      for (let at = 0; at < bytes.length; at += snapshotChunkBytes) {
        const chunk = encodeFrame(
          FrameKind.snapshotChunk,
          bytes.subarray(at, at + snapshotChunkBytes),
        );
        link.sentBytes += chunk.length;
        socket.write(chunk);
      }
      socket.write(encodeFrame(FrameKind.snapshotEnd, new Uint8Array()));
    });
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
