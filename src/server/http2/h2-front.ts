/**
 * gRPC connections served on Concord's own HTTP/2 layer (../h2): the fast path's calls
 * (./fast-path.ts: KV unary calls, lease keep-alive streams) run there directly, and every
 * other call goes through to grpc-js (./grpc-js-bridge.ts). Why: node:http2 cost ~40 µs of
 * CPU per call here against ~5 for the layer, and it sends a unary answer's trailers one
 * event-loop turn after its headers and data (docs/design-notes.md, "The front door").
 *
 * Plain TCP connections only, for now: a TLS connection, and one whose :authority needs
 * rewriting for nghttp2 (./session-path.ts), stay on grpc-js's own sessions, where the client
 * certificate reaches every call's auth context.
 *
 * `CONCORD_H2=0` turns it off: every connection then goes to grpc-js's own sessions.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { H2Connection } from '../h2/connection.js';
import type { H2ConnectionOptions } from '../h2/connection-limits.js';
import type { H2Stream } from '../h2/stream.js';
import type { RequestHeaders } from '../h2/stream-headers.js';
import type { FastDispatch } from './fast-path.js';
import { GrpcJsBridge } from './grpc-js-bridge.js';
import { H2CallStream, incomingHeaders } from './h2-call-stream.js';

export class H2Front {
  private readonly connections = new Set<H2Connection>();
  private readonly bridges = new Set<GrpcJsBridge>();
  private closed = false;

  constructor(
    private readonly dispatch: FastDispatch | undefined,
    private readonly inject: (connection: Duplex) => void,
    private readonly options: H2ConnectionOptions = {},
  ) {}

  /** Whether the layer is on (CONCORD_H2=0 turns it off). */
  static enabled(): boolean {
    return process.env['CONCORD_H2'] !== '0';
  }

  /** Serves the gRPC connection on `socket` (paused, its first bytes put back). */
  accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const bridge = new GrpcJsBridge(this.inject);
    const dispatch = this.dispatch;
    const onStream = (stream: H2Stream, headers: RequestHeaders): void => {
      if (dispatch !== undefined) {
        const call = new H2CallStream(stream, socket);
        const incoming = incomingHeaders(headers);
        if (dispatch(call as never, incoming)) return;
      }
      bridge.forward(stream, headers);
    };
    const connection = new H2Connection(socket, onStream, this.options);
    this.connections.add(connection);
    this.bridges.add(bridge);
    socket.once('close', () => {
      this.connections.delete(connection);
      this.bridges.delete(bridge);
      bridge.close();
    });
    socket.resume();
  }

  /**
   * Graceful shutdown: GOAWAY on every connection (open calls finish, each bounded by the
   * layer's close timeout), and the inner connections into grpc-js closed as their calls end.
   */
  close(): void {
    this.closed = true;
    for (const connection of this.connections) connection.close();
    for (const bridge of this.bridges) bridge.close();
  }
}
