/**
 * --auto-tls and --peer-auto-tls: a self-signed certificate made at start, for development, as
 * etcd makes one (transport.SelfCert): an ECDSA P-256 key, the listen URLs' hosts as subject
 * alternative names, valid for a year, written as `cert.pem` and `key.pem` under
 * `<data-dir>/fixtures/client` (or `/peer`) and reused on the next start when both are there.
 *
 * Node can read certificates but not write them, so the certificate is built here with the
 * small DER writer beside this file and signed with node:crypto. Unlike etcd's, it is also a
 * CA certificate for itself (basicConstraints cA, keyCertSign), so a client can trust exactly
 * this certificate (`etcdctl --cacert <data-dir>/fixtures/client/cert.pem`) instead of turning
 * verification off.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8,
} from './der.js';

const ecdsaWithSha256 = '1.2.840.10045.4.3.2';
const organizationName = '2.5.4.10';
const commonName = '2.5.4.3';
const subjectAltName = '2.5.29.17';
const keyUsage = '2.5.29.15';
const extKeyUsage = '2.5.29.37';
const basicConstraints = '2.5.29.19';
const serverAuth = '1.3.6.1.5.5.7.3.1';
const clientAuth = '1.3.6.1.5.5.7.3.2';
/** keyUsage bits (RFC 5280 4.2.1.3). */
const digitalSignature = 0;
const keyEncipherment = 2;
const keyCertSign = 5;
const dayMs = 24 * 60 * 60 * 1000;

export interface SelfSignedOptions {
  /** Host names and IP addresses the certificate is valid for. */
  readonly hosts: readonly string[];
  /** Validity, in days from `now` (default 365: etcd's --self-signed-cert-validity of 1 year). */
  readonly validityDays?: number;
  readonly now?: Date;
}

export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A fresh key and a certificate for it, signed by itself. */
export function selfSignedCertificate(options: SelfSignedOptions): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = options.now ?? new Date();
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // positive, as RFC 5280 4.1.2.2 wants
  const name = sequence(
    set(sequence(oid(organizationName), utf8('concord'))),
    set(sequence(oid(commonName), utf8('concord auto-tls'))),
  );
  const algorithm = sequence(oid(ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(
      // A few minutes back, so a clock a little behind ours still accepts it at once.
      time(new Date(now.getTime() - 5 * 60 * 1000)),
      time(new Date(now.getTime() + (options.validityDays ?? 365) * dayMs)),
    ),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        extension(basicConstraints, sequence(boolean(true)), true),
        extension(keyUsage, namedBits([digitalSignature, keyEncipherment, keyCertSign]), true),
        extension(extKeyUsage, sequence(oid(serverAuth), oid(clientAuth)), false),
        extension(subjectAltName, sequence(...options.hosts.map(generalName)), false),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * The certificate and key under `dir`, made now if either is missing (etcd reuses them across
 * restarts, so clients that pinned the certificate keep working). Returns their paths.
 */
export async function ensureSelfSignedFiles(
  dir: string,
  hosts: readonly string[],
): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const present = await Promise.all([readFile(certFile), readFile(keyFile)]).then(
    () => true,
    () => false,
  );
  if (!present) {
    const pair = selfSignedCertificate({ hosts });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
    await writeFile(certFile, pair.certPem, { mode: 0o644 });
  }
  return { certFile, keyFile };
}

function extension(id: string, value: Uint8Array, critical: boolean): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** A SAN entry: iPAddress [7] for an address, dNSName [2] otherwise. */
function generalName(host: string): Buffer {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 4) return implicitPrimitive(7, Buffer.from(bare.split('.').map(Number)));
  if (family === 6) return implicitPrimitive(7, ipv6Bytes(bare));
  return implicitPrimitive(2, Buffer.from(bare, 'ascii'));
}

/** The 16 bytes of a valid IPv6 address text (isIP said so), '::' and a dotted tail included. */
function ipv6Bytes(text: string): Buffer {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let hex = text;
  if (dotted !== null) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    hex = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = hex.split('::') as [string, string | undefined];
  const groups = (part: string | undefined): string[] =>
    part === undefined || part === '' ? [] : part.split(':');
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const out = Buffer.alloc(16);
  [...left, ...zeros, ...right].forEach((group, i) =>
    out.writeUInt16BE(parseInt(group, 16), i * 2),
  );
  return out;
}

function pem(label: string, der: Buffer): string {
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}
