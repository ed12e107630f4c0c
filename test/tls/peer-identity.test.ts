/**
 * peerCertificateCommonName(call), the identity the auth checks take from a client
 * certificate: through the real client listener (src/server/listener.ts) and grpc-js, with a
 * one-method service that answers the caller's CN. Only a certificate the CA verified names
 * anyone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type Client,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { TlsCredentials } from '../../src/env/tls/tls-credentials.js';
import { listenClientUrl, notFound, type ClientListener } from '../../src/server/listener.js';
import {
  clientCertificateUser,
  peerCertificateCommonName,
} from '../../src/server/tls/peer-identity.js';
import { createTlsFixtures, type CertFiles, type TlsFixtures } from '../helpers/tls-fixtures.js';

const identity = (value: Buffer): Buffer => value;
const definition: ServiceDefinition = {
  who: {
    path: '/concord.test.Identity/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'who',
  },
};
const IdentityClient = makeGenericClientConstructor(definition, 'Identity');
type WhoClient = Client & {
  who(request: Buffer, done: (error: ServiceError | null, reply?: Buffer) => void): void;
};

describe('peerCertificateCommonName', () => {
  let certs: TlsFixtures;
  const grpc = new Server();
  const listeners: ClientListener[] = [];
  const clients: Client[] = [];

  /** The credentials of the listener each call came through, by its port. */
  const tlsByPort = new Map<number, TlsCredentials | undefined>();

  before(() => {
    certs = createTlsFixtures();
    grpc.addService(definition, {
      // Answers "<CN>|<user>", "-" for none.
      who: (
        call: Parameters<typeof peerCertificateCommonName>[0] & { getHost(): string },
        done: (error: null, reply: Buffer) => void,
      ) => {
        const tls = tlsByPort.get(Number(new URL(`https://${call.getHost()}`).port));
        const name = peerCertificateCommonName(call) ?? '-';
        done(null, Buffer.from(`${name}|${clientCertificateUser(call, tls) ?? '-'}`));
      },
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await Promise.all(listeners.map((listener) => listener.close()));
    grpc.forceShutdown();
    certs.remove();
  });

  async function listen(url: string, tls?: TlsCredentials): Promise<string> {
    const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
    const listener = await listenClientUrl(
      new URL(url),
      (socket) => injector.injectConnection(socket),
      notFound,
      tls,
    );
    listeners.push(listener);
    tlsByPort.set(Number(listener.url.port), tls);
    return listener.url.host;
  }

  function who(host: string, cert?: CertFiles, tls = true): Promise<string> {
    const channel = tls
      ? credentials.createSsl(
          readFileSync(certs.ca.cert),
          cert === undefined ? null : readFileSync(cert.key),
          cert === undefined ? null : readFileSync(cert.cert),
        )
      : credentials.createInsecure();
    const client = new IdentityClient(host, channel) as unknown as WhoClient;
    clients.push(client);
    return new Promise((resolve, reject) =>
      client.who(Buffer.alloc(0), (error, reply) =>
        error === null ? resolve(String(reply)) : reject(error),
      ),
    );
  }

  const load = (trustedCaFile: string, clientCertAuth: boolean): Promise<TlsCredentials> =>
    TlsCredentials.load({
      certFile: certs.server.cert,
      keyFile: certs.server.key,
      trustedCaFile,
      clientCertAuth,
      selfSigned: false,
    });

  it("names the verified client certificate's CN on each call", async () => {
    const host = await listen('https://127.0.0.1:0', await load(certs.ca.cert, true));
    assert.equal(await who(host, certs.alice), 'alice|alice');
    assert.equal(await who(host, certs.root), 'root|root');
  });

  it('names a user only with --client-cert-auth (a trusted CA alone verifies but names nobody)', async () => {
    const host = await listen('https://127.0.0.1:0', await load(certs.ca.cert, false));
    assert.equal(await who(host, certs.alice), 'alice|-');
  });

  it('names nobody when certificates are not verified, and on plain http', async () => {
    const unverified = await listen('https://127.0.0.1:0', await load('', false));
    assert.equal(await who(unverified, certs.alice), '-|-');
    const plain = await listen('http://127.0.0.1:0');
    assert.equal(await who(plain, undefined, false), '-|-');
  });
});
