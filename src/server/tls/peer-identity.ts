/**
 * Who is on the other end of a client connection, as its TLS certificate says: for etcd's
 * "the CN of a client certificate authenticates as that user when --client-cert-auth is on".
 *
 * For the auth checks: `peerCertificateCommonName(call)` on any grpc-js server call (unary or
 * stream) returns the Common Name of the certificate the client presented on that call's
 * connection, or undefined when there is none. A name is returned only when the certificate
 * was verified against --trusted-ca-file during the handshake (grpc-js reports a certificate
 * only for an authorized TLSSocket), so it can be trusted as an identity. It is undefined on
 * plain http:// listeners, on https ones without --client-cert-auth/--trusted-ca-file, and for
 * the rare client that speaks HTTP/2 over TLS without ALPN (it is routed through the :authority
 * rewriter, which hides the TLSSocket from grpc-js): callers then fall back to the token.
 * A certificate with several CNs names nobody (undefined), rather than guess.
 *
 * etcd's rule for auth: the CN is a user name only when --client-cert-auth is on; a
 * --trusted-ca-file alone makes clients present verified certificates but names no users.
 * `clientCertificateUser(call, tls)` applies that rule, given the server's TLS credentials
 * (ResolvedOptions.tls).
 *
 * How it works: ../listener.ts hands a TLS connection that negotiated h2 to grpc-js as the
 * TLSSocket itself, so grpc-js's `call.getAuthContext()` sees it (transportSecurityType 'ssl',
 * sslPeerCertificate).
 *
 * @example
 * const user = peerCertificateCommonName(call); // 'alice' for a cert with CN=alice
 */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { TlsCredentials } from '../../env/tls/tls-credentials.js';

/** Any grpc-js server call (unary or stream): only its auth context is read. */
export type CallWithAuthContext = Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

export function peerCertificateCommonName(call: CallWithAuthContext): string | undefined {
  const context = call.getAuthContext();
  if (context.transportSecurityType !== 'ssl') return undefined;
  const commonName: unknown = context.sslPeerCertificate?.subject?.CN;
  return typeof commonName === 'string' && commonName !== '' ? commonName : undefined;
}

/** The user a client certificate authenticates as: its CN, when --client-cert-auth is on. */
export function clientCertificateUser(
  call: CallWithAuthContext,
  tls: TlsCredentials | undefined,
): string | undefined {
  return tls?.info.clientCertAuth === true ? peerCertificateCommonName(call) : undefined;
}
