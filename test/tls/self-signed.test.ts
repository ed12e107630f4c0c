/**
 * The auto-tls certificate writer (src/env/tls/self-signed.ts and its DER writer), checked by
 * reading what it writes with Node's X509Certificate and OpenSSL's own verification.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSecureContext } from 'node:tls';
import { oid, unsignedInteger } from '../../src/env/tls/der.js';
import { selfSignedCertificate } from '../../src/env/tls/self-signed.js';

describe('self-signed certificates', () => {
  it('names every host, IPv4, IPv6 and DNS, and is valid for a year from now', () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const pair = selfSignedCertificate({
      hosts: ['127.0.0.1', '[::1]', 'fe80::1:2', '::ffff:10.0.0.1', 'member-1.example'],
      now,
    });
    const cert = new X509Certificate(pair.certPem);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('fe80::1:2'), 'fe80::1:2');
    assert.equal(cert.checkHost('member-1.example'), 'member-1.example');
    assert.equal(cert.checkHost('other.example'), undefined);
    assert.equal(cert.checkIssued(cert), true);
    assert.equal(cert.verify(cert.publicKey), true, 'signed by its own key');
    assert.equal(cert.ca, true, 'usable as its own trust anchor');
    assert.equal(new Date(cert.validTo).getTime() - now.getTime() > 364 * 86_400_000, true);
    assert.equal(new Date(cert.validFrom).getTime() <= now.getTime(), true);
    assert.equal(cert.checkPrivateKey(createPrivateKey(pair.keyPem)), true);
    // OpenSSL takes the pair as a TLS identity.
    createSecureContext({ cert: pair.certPem, key: pair.keyPem });
  });

  it('makes a new key and serial each time', () => {
    const a = new X509Certificate(selfSignedCertificate({ hosts: ['localhost'] }).certPem);
    const b = new X509Certificate(selfSignedCertificate({ hosts: ['localhost'] }).certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.notEqual(a.fingerprint256, b.fingerprint256);
  });

  it('writes DER integers and object identifiers as X.690 says', () => {
    assert.deepEqual([...unsignedInteger(Uint8Array.of(0x80))], [0x02, 0x02, 0x00, 0x80]);
    assert.deepEqual([...unsignedInteger(Uint8Array.of(0, 0, 0x7f))], [0x02, 0x01, 0x7f]);
    // 1.2.840.10045.4.3.2 (ecdsa-with-SHA256)
    assert.deepEqual(
      [...oid('1.2.840.10045.4.3.2')],
      [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
    );
  });
});
