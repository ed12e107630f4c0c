/**
 * Client TLS on one real member: https:// client URL, a certificate from the test CA,
 * --trusted-ca-file and --client-cert-auth. etcdctl (--cacert/--cert/--key) and the etcd3
 * client work with a client certificate and fail without one or with one from another CA;
 * /health answers over https; a renewed certificate is served without a restart.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls, type PeerCertificate } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type CertFiles, type TlsFixtures } from '../helpers/tls-fixtures.js';
import { eventually } from '../helpers/wait.js';

describe('client TLS with --client-cert-auth', { skip: etcdctlSkip }, () => {
  let certs: TlsFixtures;
  let member: MemberProcess;
  /** The member's certificate files: copies, so the reload test can replace them. */
  let live: CertFiles;
  const clients: Etcd3[] = [];
  const ctl = (): Etcdctl => new Etcdctl(() => member.url);
  const withCert = (cert: CertFiles): string[] => [
    ...['--cacert', certs.ca.cert, '--cert', cert.cert, '--key', cert.key],
  ];

  before(async () => {
    certs = createTlsFixtures();
    live = { cert: join(certs.dir, 'live.crt'), key: join(certs.dir, 'live.key') };
    copyFileSync(certs.server.cert, live.cert);
    copyFileSync(certs.server.key, live.key);
    member = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: [
        ...['--cert-file', live.cert, '--key-file', live.key],
        ...['--trusted-ca-file', certs.ca.cert, '--client-cert-auth'],
      ],
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await MemberProcess.destroyAll();
    certs.remove();
  });

  it('serves etcdctl with --cacert, --cert and --key', async () => {
    assert.match(member.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await ctl().ok(...withCert(certs.root), 'put', 'tls/a', 'over-https');
    const value = await ctl().ok(...withCert(certs.alice), 'get', 'tls/a', '--print-value-only');
    assert.equal(value.trim(), 'over-https');
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    // etcdctl retries a refused handshake until its command timeout: keep that short.
    const quick = ['--dial-timeout=2s', '--command-timeout=2s', 'get', 'tls/a'];
    const [noCert, otherCa, plain] = await Promise.all([
      ctl().run(['--cacert', certs.ca.cert, ...quick]),
      ctl().run([...withCert(certs.otherRoot), ...quick]),
      // Plain text to the TLS port gets nothing either.
      new Etcdctl(() => member.endpoint).run(quick),
    ]);
    assert.notEqual(noCert.code, 0, `no client certificate got in: ${noCert.stdout}`);
    assert.notEqual(otherCa.code, 0, `a certificate from another CA got in: ${otherCa.stdout}`);
    assert.notEqual(plain.code, 0, `plain text got in: ${plain.stdout}`);
  });

  it('serves the etcd3 client over TLS with its credentials option, and refuses it without', async () => {
    const client = connect(certs.alice);
    await client.put('tls/etcd3').value('grpc-js');
    assert.equal(await client.get('tls/etcd3').string(), 'grpc-js');
    const anonymous = connect(undefined);
    await assert.rejects(anonymous.get('tls/etcd3').string(), 'no client certificate got in');
  });

  it('answers /health over https (HTTP/1 beside gRPC on the same port)', async () => {
    const health = await get('/health', certs.root);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { health: 'true', reason: '' });
    await assert.rejects(get('/health', undefined), 'no client certificate got an answer');
  });

  it('speaks TLS 1.2 and up, never older', async () => {
    const { port } = new URL(member.url);
    const handshake = (maxVersion: 'TLSv1.1' | 'TLSv1.2'): Promise<string> =>
      new Promise((resolve) => {
        const socket = connectTls({
          host: '127.0.0.1',
          port: Number(port),
          ca: readFileSync(certs.ca.cert),
          cert: readFileSync(certs.root.cert),
          key: readFileSync(certs.root.key),
          minVersion: 'TLSv1',
          maxVersion,
          // OpenSSL's own floor on this client would refuse TLS 1.1 first; lift it, so the
          // refusal seen is the member's.
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        socket.once('secureConnect', () => {
          resolve(socket.getProtocol() ?? '?');
          socket.destroy();
        });
        socket.once('error', (error) => resolve(`refused: ${error.message}`));
      });
    assert.match(await handshake('TLSv1.1'), /refused: .*protocol version/);
    assert.equal(await handshake('TLSv1.2'), 'TLSv1.2');
  });

  it('serves a renewed certificate to new connections without a restart', async () => {
    assert.equal(issuerOf(await peerCertificate()), 'ca');
    // Rotate to a certificate the other CA signed: both files, as an operator would.
    copyFileSync(certs.otherServer.key, live.key);
    copyFileSync(certs.otherServer.cert, live.cert);
    await eventually(
      'new connections to get the renewed certificate',
      async () => issuerOf(await peerCertificate()),
      (issuer) => issuer === 'other-ca',
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    assert.match(member.stderr, /reloaded TLS certificate/);
  });

  function connect(cert: CertFiles | undefined): Etcd3 {
    const client = new Etcd3({
      hosts: member.url,
      credentials: {
        rootCertificate: readFileSync(certs.ca.cert),
        ...(cert === undefined
          ? {}
          : { privateKey: readFileSync(cert.key), certChain: readFileSync(cert.cert) }),
      },
      faultHandling: { host: () => noop, global: noop },
      dialTimeout: 3000,
    });
    clients.push(client);
    return client;
  }

  function get(
    path: string,
    cert: CertFiles | undefined,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${member.url}${path}`,
        {
          ca: readFileSync(certs.ca.cert),
          ...(cert === undefined
            ? {}
            : { cert: readFileSync(cert.cert), key: readFileSync(cert.key) }),
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The certificate a new TLS connection gets (the client side does not verify it here). */
  function peerCertificate(): Promise<PeerCertificate> {
    const { port } = new URL(member.url);
    return new Promise((resolve, reject) => {
      const socket = connectTls({
        host: '127.0.0.1',
        port: Number(port),
        rejectUnauthorized: false,
        cert: readFileSync(certs.root.cert),
        key: readFileSync(certs.root.key),
      });
      socket.once('secureConnect', () => {
        resolve(socket.getPeerCertificate());
        socket.destroy();
      });
      socket.once('error', reject);
    });
  }
});

function issuerOf(certificate: PeerCertificate): string {
  return String(certificate.issuer.CN);
}
