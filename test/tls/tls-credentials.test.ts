/**
 * TlsCredentials (src/env/tls/tls-credentials.ts): loading names the file at fault, a
 * half-rotated pair keeps the certificate in use, and subscribers hear of each good reload.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TlsCredentials, TlsLoadError } from '../../src/env/tls/tls-credentials.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

describe('TLS credentials', () => {
  let certs: TlsFixtures;
  before(() => {
    certs = createTlsFixtures();
  });
  after(() => certs.remove());

  const info = (certFile: string, keyFile: string, trustedCaFile = '') => ({
    certFile,
    keyFile,
    trustedCaFile,
    clientCertAuth: false,
    selfSigned: false,
    side: 'peer' as const,
  });

  it('refuses missing files and a key that is not the certificate’s, naming them', async () => {
    await assert.rejects(
      TlsCredentials.load(info(join(certs.dir, 'missing.crt'), certs.server.key)),
      (error: unknown) =>
        error instanceof TlsLoadError && /--peer-cert-file .*missing\.crt/.test(error.message),
    );
    await assert.rejects(
      TlsCredentials.load(info(certs.server.cert, certs.alice.key)),
      (error: unknown) =>
        error instanceof TlsLoadError && /server\.crt, .*alice\.key/.test(error.message),
    );
  });

  it('keeps the certificate in use when a reload finds a half-rotated pair', async () => {
    const cert = join(certs.dir, 'rotating.crt');
    const key = join(certs.dir, 'rotating.key');
    copyFileSync(certs.server.cert, cert);
    copyFileSync(certs.server.key, key);
    const tls = await TlsCredentials.load(info(cert, key, certs.ca.cert));
    assert.equal(tls.verifiesPeers, true, 'a trusted CA demands certificates, as in etcd');
    assert.equal(tls.serverOptions().minVersion, 'TLSv1.2');
    let reloads = 0;
    tls.subscribe(() => reloads++);
    const original = tls.secureContextOptions().cert;
    // The new key first: it does not match the old certificate yet.
    writeFileSync(key, readFileSync(certs.otherServer.key));
    await assert.rejects(tls.reload(), TlsLoadError);
    assert.deepEqual(tls.secureContextOptions().cert, original);
    assert.equal(reloads, 0);
    writeFileSync(cert, readFileSync(certs.otherServer.cert));
    await tls.reload();
    assert.deepEqual(tls.secureContextOptions().cert, readFileSync(certs.otherServer.cert));
    assert.equal(reloads, 1);
  });
});
