/**
 * The client port, shared by gRPC and plain HTTP as etcd shares it (etcd uses cmux): each
 * accepted connection is sniffed, and one that opens with the HTTP/2 preface ("PRI * HTTP/2.0")
 * goes to the gRPC server; anything else goes to `http` (./http/routes.ts: /health, /livez,
 * /readyz, /version, and the seam for /metrics and the dashboard).
 *
 * etcdctl 3.4 sends the whole endpoint URL as the HTTP/2 :authority when it dials one endpoint
 * by URL (`endpoint status --cluster`, `endpoint status|hashkv --endpoints=http://...`); Go's
 * server lets it pass, Node's nghttp2 resets the stream (PROTOCOL_ERROR) before gRPC sees it,
 * and Node offers no option to turn that check off. So a gRPC connection whose first request
 * carries such an :authority has its bytes go through ./http2/rewriting-socket.ts, which
 * rewrites it into one nghttp2 accepts ("httpx--host:port", same encoded length) before the
 * HTTP/2 session reads it; every other connection is read by the session natively
 * (./http2/session-path.ts chooses).
 *
 * An https:// URL terminates TLS here (node:tls, TLS 1.2 at least) and feeds the decrypted
 * socket to the same routing. ALPN picks the protocol: a client that offers http/1.1 gets it
 * (curl, browsers and load balancer probes offer both, and /health is served over HTTP/1),
 * one that offers only h2 gets h2 (gRPC clients: etcdctl, grpc-js). A connection that
 * negotiated h2 goes to gRPC as the TLSSocket itself, without the rewriter: over TLS etcdctl
 * sends a plain host as :authority, and grpc-js, seeing a TLSSocket under the session,
 * reports the verified client certificate in each call's getAuthContext()
 * (./tls/peer-identity.ts). Anything else (http/1.1, or no ALPN) is sniffed like a plain
 * connection. The certificate is swapped for new connections when the files change
 * (TlsCredentials.subscribe).
 */
import { createServer as createHttpServer } from 'node:http';
import type { RequestListener } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { TlsCredentials } from '../env/tls/tls-credentials.js';
import { AuthorityRewritingSocket } from './http2/rewriting-socket.js';
import { chooseSessionPath, type SessionPathOptions } from './http2/session-path.js';

export type { RequestListener };

const preface = Buffer.from('PRI');
/** A client that has not finished its TLS handshake by then is cut off (Node's default: 120 s). */
const tlsHandshakeTimeoutMs = 10_000;

export const notFound: RequestListener = (_request, response) => {
  response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
};

export interface ClientListener {
  readonly url: URL;
  close(): Promise<void>;
}

/**
 * Listens on one client URL; `tls` is required for an https:// URL (options.ts checks it).
 */
export async function listenClientUrl(
  url: URL,
  /** A gRPC connection, and the TCP socket under it (for byte counts). */
  grpc: (connection: Duplex, socket: Socket) => void,
  http: RequestListener,
  tls?: TlsCredentials,
  /** --max-connections: connections past it are closed as they arrive. */
  connectionsMax?: number,
  /** What the gRPC server's HTTP/2 sessions announce (./http2/session-path.ts). */
  session: SessionPathOptions = {},
): Promise<ClientListener> {
  const httpServer = createHttpServer(http);
  const sockets = new Set<Socket>();
  const accept = (socket: Socket): void => {
    // gRPC answers are small writes: without this, Nagle's algorithm holds each one back
    // until the client's delayed ACK (about 40 ms), capping a connection's throughput.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const route = (socket: Socket): void =>
    sniff(socket, (isHttp2, seen) => {
      if (isHttp2) {
        // Only a client that needs its :authority rewritten pays for the JS stream.
        chooseSessionPath(socket, seen, session, (path, bytes) => {
          if (path === 'rewrite') {
            grpc(new AuthorityRewritingSocket(socket, bytes), socket);
            return;
          }
          socket.unshift(bytes); // the session reads what is buffered first
          grpc(socket, socket);
        });
        return;
      }
      // Node's HTTP/1 parser reads the socket's handle directly and would never see bytes put
      // back; it takes them as a 'data' event instead.
      httpServer.emit('connection', socket);
      socket.emit('data', seen);
      socket.resume();
    });
  let server: NetServer;
  let unsubscribe = (): void => undefined;
  if (url.protocol === 'https:') {
    if (tls === undefined) throw new Error(`${url.href}: https needs TLS credentials`);
    const tlsServer = createTlsServer(
      {
        ...tls.serverOptions(),
        ALPNCallback: ({ protocols }) => selectProtocol(protocols),
        handshakeTimeout: tlsHandshakeTimeoutMs,
      },
      (socket: TLSSocket) => (socket.alpnProtocol === 'h2' ? grpc(socket, socket) : route(socket)),
    );
    tlsServer.on('connection', accept);
    const credentials = tls;
    const swap = credentials.subscribe(() =>
      tlsServer.setSecureContext(credentials.secureContextOptions()),
    );
    unsubscribe = () => void swap();
    server = tlsServer;
  } else {
    server = createNetServer((socket) => {
      accept(socket);
      route(socket);
    });
  }
  if (connectionsMax !== undefined) server.maxConnections = connectionsMax;
  await listen(server, url);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('listener has no port');
  const bound = new URL(url.href);
  bound.port = String(address.port);
  return {
    url: bound,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        server.close(() => resolve());
        // Sockets still sniffing or serving HTTP/1 would hold close() open; gRPC's own
        // sessions are drained by the gRPC server before this runs.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function listen(server: NetServer, url: URL): Promise<void> {
  // URL keeps IPv6 brackets in hostname ("[::1]"); net wants them off.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: Number(url.port) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** http/1.1 when offered (see the header), else h2; neither fails the handshake. */
function selectProtocol(offered: readonly string[]): string | undefined {
  return ['http/1.1', 'h2'].find((protocol) => offered.includes(protocol));
}

/** Reads enough of the first bytes to tell HTTP/2 from HTTP/1; `route` must hand them on. */
function sniff(socket: Socket, route: (isHttp2: boolean, seen: Buffer) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const prefix = seen.subarray(0, preface.length);
    if (seen.length < preface.length && prefix.equals(preface.subarray(0, seen.length))) return;
    socket.off('data', onData);
    socket.pause();
    route(prefix.equals(preface), seen);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
