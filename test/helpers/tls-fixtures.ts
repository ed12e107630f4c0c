/**
 * Certificates for TLS tests, made with `openssl` at run time into a fresh temp dir (nothing
 * secret is committed): a test CA; a server certificate for 127.0.0.1 and localhost (also
 * used by members as their peer certificate, since it allows both server and client use);
 * client certificates with CN=root and CN=alice; and a second CA with a client certificate of
 * its own (CN=root, so only the signature tells it apart). ECDSA P-256 keys: fast to make.
 *
 * @example
 * const certs = createTlsFixtures();
 * try {
 *   // --cert-file certs.server.cert --key-file certs.server.key --trusted-ca-file certs.ca.cert
 * } finally {
 *   certs.remove();
 * }
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM file paths. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface TlsFixtures {
  readonly dir: string;
  /** The test CA (its key signs everything below except `otherCa`'s certificates). */
  readonly ca: CertFiles;
  /** SAN IP:127.0.0.1 and DNS:localhost; serverAuth and clientAuth (a member's cert). */
  readonly server: CertFiles;
  /** Client certificates signed by `ca`. */
  readonly root: CertFiles;
  readonly alice: CertFiles;
  /** A different CA, and a client certificate (CN=root) it signed. */
  readonly otherCa: CertFiles;
  readonly otherRoot: CertFiles;
  /** A server certificate (127.0.0.1) signed by `otherCa`: a member from outside the trust. */
  readonly otherServer: CertFiles;
  /** Removes the temp dir. */
  remove(): void;
}

const config = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;

/** Makes the whole set (a few dozen ms of openssl per certificate). */
export function createTlsFixtures(): TlsFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'concord-tls-'));
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(cnf, config);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string): CertFiles => {
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    openssl(
      'req',
      '-x509',
      '-config',
      cnf,
      '-extensions',
      'ca',
      ...newKey,
      '-keyout',
      files.key,
      '-out',
      files.cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
    return files;
  };
  let serial = 1;
  const issue = (
    name: string,
    commonName: string,
    profile: 'server' | 'client',
    ca: CertFiles,
  ): CertFiles => {
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    const csr = join(dir, `${name}.csr`);
    openssl(
      'req',
      '-new',
      '-config',
      cnf,
      ...newKey,
      '-keyout',
      files.key,
      '-out',
      csr,
      '-subj',
      `/CN=${commonName}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      String(serial++),
      '-days',
      '2',
      '-out',
      files.cert,
      '-extfile',
      cnf,
      '-extensions',
      profile,
    );
    return files;
  };
  const ca = makeCa('ca');
  const otherCa = makeCa('other-ca');
  return {
    dir,
    ca,
    server: issue('server', 'concord-member', 'server', ca),
    root: issue('root', 'root', 'client', ca),
    alice: issue('alice', 'alice', 'client', ca),
    otherCa,
    otherRoot: issue('other-root', 'root', 'client', otherCa),
    otherServer: issue('other-server', 'concord-member', 'server', otherCa),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
