/**
 * Bytes on gRPC client connections (etcd's etcd_network_client_grpc_received_bytes_total and
 * _sent_bytes_total, the "client traffic" panels of etcd's dashboards), read from the TCP
 * sockets' own counters at scrape time: nothing is added to the request path. They count what
 * crossed the wire (HTTP/2 framing and TLS included) where etcd counts message bytes.
 */
import type { Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';

export class ClientTraffic {
  private readonly live = new Set<Socket>();
  private closedReceived = 0;
  private closedSent = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    const received = (): number => this.received();
    const sent = (): number => this.sent();
    new Counter({
      name: 'etcd_network_client_grpc_received_bytes_total',
      help: 'The total number of bytes received from grpc clients.',
      registers,
      collect() {
        this.reset();
        this.inc(received());
      },
    });
    new Counter({
      name: 'etcd_network_client_grpc_sent_bytes_total',
      help: 'The total number of bytes sent to grpc clients.',
      registers,
      collect() {
        this.reset();
        this.inc(sent());
      },
    });
  }

  /** Counts `socket`'s bytes from now until it closes, and keeps them after. */
  track(socket: Socket): void {
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      this.closedReceived += socket.bytesRead;
      this.closedSent += socket.bytesWritten;
    });
  }

  private received(): number {
    let total = this.closedReceived;
    for (const socket of this.live) total += socket.bytesRead;
    return total;
  }

  private sent(): number {
    let total = this.closedSent;
    for (const socket of this.live) total += socket.bytesWritten;
    return total;
  }
}
