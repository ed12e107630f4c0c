/**
 * Peer TLS (--peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth,
 * --peer-auto-tls): how the transport listens on and dials a peer URL.
 *
 * - An https:// listen URL takes TLS connections only (TLS 1.2 at least). With a trusted CA
 *   (or peer-client-cert-auth) every peer must present a certificate the CA signed; one that
 *   does not is cut off in the handshake and logged ("rejected a peer connection").
 * - An https:// peer URL is dialed with TLS: our certificate goes along (the other side may
 *   demand it) and the other side's certificate is verified against the CA, host included
 *   (not with auto-tls, as etcd does not, since a self-signed certificate names no CA).
 * - A member that demands peer certificates never talks plain text to a peer: it refuses to
 *   dial an http:// peer URL (such a peer could not prove who it is), and its own peer URLs
 *   must be https:// (the serve flags check that).
 *
 * The transport reads the credentials on every dial and swaps each listener's certificate
 * when the files change, so a renewed certificate needs no restart.
 */
import { connect, createServer as createNetServer, Socket } from 'node:net';
import type { Server } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, TLSSocket } from 'node:tls';
import type { TlsCredentials } from '../env/tls/tls-credentials.js';

type LogFn = (line: string, fields?: object) => void;

/** A peer that has not finished its handshake by then is cut off. */
const handshakeTimeoutMs = 10_000;

/**
 * A listener for one peer URL: plain TCP for http://, TLS for https:// (a tls.Server, whose
 * 'secureConnection' event hands over connections; pass each through `admitPeer`).
 */
export function peerServer(url: URL, tls: TlsCredentials | undefined, log: LogFn): Server {
  if (url.protocol !== 'https:') return createNetServer({ noDelay: true });
  if (tls === undefined) {
    throw new Error(`--listen-peer-urls ${url.href}: https needs peer TLS credentials`);
  }
  const server = createTlsServer({
    ...tls.serverOptions(),
    // Verified after the handshake instead (admitPeer), so that every refusal is logged: Node
    // drops a certificate from an unknown CA silently when it rejects it itself.
    rejectUnauthorized: false,
    noDelay: true,
    handshakeTimeout: handshakeTimeoutMs,
  });
  server.on('tlsClientError', (error, socket) => {
    log('rejected a peer connection', {
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      error: error.message,
    });
  });
  // Setting the context of a server already closed is harmless, so this never unsubscribes.
  tls.subscribe(() => server.setSecureContext(tls.secureContextOptions()));
  return server;
}

/**
 * For a connection accepted on a TLS peer listener, before any frame is read: true if it may
 * speak; false (and the connection is cut off and logged) if certificates are required and it
 * did not present one the CA verified.
 */
export function admitPeer(socket: Socket, tls: TlsCredentials | undefined, log: LogFn): boolean {
  if (!(socket instanceof TLSSocket) || tls?.verifiesPeers !== true || socket.authorized) {
    return true;
  }
  log('rejected a peer connection', {
    remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    error: String(socket.authorizationError ?? 'no certificate'),
  });
  socket.destroy();
  return false;
}

/**
 * Dials a peer URL. Returns the socket; wait for `readyEvent(socket)` before counting it as
 * connected. A dial that policy refuses returns a socket that closes at once with the reason,
 * so the caller's reconnect-with-backoff handles it like any failed connection.
 */
export function dialPeer(url: URL, tls: TlsCredentials | undefined, log: LogFn): Socket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port);
  if (url.protocol === 'https:') {
    const raw = connect({ host, port, noDelay: true });
    const socket = connectTls({ ...(tls?.clientOptions() ?? {}), socket: raw, host });
    socket.once('error', (error) => {
      // Verification failures (wrong CA, wrong host) say why; refused connections are routine.
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return;
      log('peer TLS connection failed', { url: url.href, error: error.message });
    });
    return socket;
  }
  if (tls?.verifiesPeers === true) {
    const refused = new Socket();
    refused.destroy(
      new Error(`refusing plain-text peer ${url.href}: peer certificates are required`),
    );
    logOnce(url.href, log);
    return refused;
  }
  return connect({ host, port, noDelay: true });
}

/** The event after which a dialed socket carries frames: TLS sockets once verified. */
export function readyEvent(socket: Socket): 'connect' | 'secureConnect' {
  return socket instanceof TLSSocket ? 'secureConnect' : 'connect';
}

const refusedUrls = new Set<string>();

/** A refused peer is retried with backoff for as long as it is a member: say so once. */
function logOnce(href: string, log: LogFn): void {
  if (refusedUrls.has(href)) return;
  refusedUrls.add(href);
  log(
    'refusing to dial a plain-text peer URL: peer certificates are required (--peer-client-cert-auth or --peer-trusted-ca-file)',
    { url: href },
  );
}
