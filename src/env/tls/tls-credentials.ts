/**
 * One side's TLS material (etcd's TLSInfo: the client side, or the peer side), loaded from
 * PEM files, checked at load (a bad file or a key that does not match its certificate stops
 * the start with the file named), and reloaded without a restart when the files change.
 *
 * Who reads it: the client listener (src/server/listener.ts) and the peer transport
 * (src/transport) take `serverOptions()` for each listener they open and `clientOptions()` for
 * each connection they dial, and subscribe to changes to swap a listener's context. A reload
 * applies to new connections only; open ones keep the certificate they were made with.
 *
 * etcd's rules, kept here: TLS 1.2 at least; a trusted CA (or client-cert-auth) makes the
 * listener demand and verify a certificate from every client; a self-signed (auto-tls)
 * certificate makes the dialer skip verifying the other side (development only).
 *
 * @example
 * const tls = await TlsCredentials.load({ certFile, keyFile, trustedCaFile: '', clientCertAuth: false, selfSigned: false });
 * const stop = tls.watch((error) => log(error ? 'TLS reload failed' : 'TLS reloaded'));
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContextOptions, TlsOptions } from 'node:tls';

/** etcd's TLSInfo. Empty strings mean "not given". */
export interface TlsInfo {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  /** Clients (or peers) must present a certificate signed by the trusted CA. */
  readonly clientCertAuth: boolean;
  /** The certificate is auto-tls's self-signed one: a dialer does not verify the other side. */
  readonly selfSigned: boolean;
  /** Which flags set it, for messages: --cert-file or --peer-cert-file (default client). */
  readonly side?: 'client' | 'peer';
}

/** Why the material could not be used, naming the file. */
export class TlsLoadError extends Error {
  override name = 'TlsLoadError';
}

interface Material {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer | undefined;
}

/** etcd's floor: nothing older than TLS 1.2. */
export const tlsMinVersion = 'TLSv1.2';
/** How often watched files are polled for changes (fs.watchFile: portable, survives renames). */
const watchIntervalMs = 2000;

export class TlsCredentials {
  readonly #listeners = new Set<() => void>();

  private constructor(
    readonly info: TlsInfo,
    private material: Material,
  ) {}

  /** Reads and checks the files; rejects with a TlsLoadError that names the file at fault. */
  static async load(info: TlsInfo): Promise<TlsCredentials> {
    return new TlsCredentials(info, await readMaterial(info));
  }

  /** True when every connection must come with a verified certificate (etcd's rule). */
  get verifiesPeers(): boolean {
    return this.info.clientCertAuth || this.info.trustedCaFile !== '';
  }

  /** The context alone: what a listener swaps in on reload (tls.Server#setSecureContext). */
  secureContextOptions(): SecureContextOptions {
    const { key, cert, ca } = this.material;
    return { key, cert, ...(ca === undefined ? {} : { ca }), minVersion: tlsMinVersion };
  }

  /** For a listener (tls.createServer): the context, and whether to demand client certificates. */
  serverOptions(): TlsOptions {
    const verify = this.verifiesPeers;
    return { ...this.secureContextOptions(), requestCert: verify, rejectUnauthorized: verify };
  }

  /**
   * For a dialer (tls.connect): our certificate (the other side may demand one) and the CA
   * to verify the other side with; a self-signed setup does not verify (etcd:
   * InsecureSkipVerify for auto-tls).
   */
  clientOptions(): ConnectionOptions {
    return { ...this.secureContextOptions(), rejectUnauthorized: !this.info.selfSigned };
  }

  /** Calls `listener` after each successful reload; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the files now; on failure keeps the current material and rejects. */
  async reload(): Promise<void> {
    this.material = await readMaterial(this.info);
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Watches the files and reloads when one changes. A half-rotated pair (new key, old
   * certificate) fails to load and is reported; the next change (the certificate) succeeds.
   * Returns the function that stops watching.
   */
  watch(onReload: (error?: Error) => void): () => void {
    const files = [this.info.certFile, this.info.keyFile, this.info.trustedCaFile].filter(
      (file) => file !== '',
    );
    const changed = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
      if (current.mtimeMs === previous.mtimeMs) return;
      this.reload().then(
        () => onReload(),
        (error: unknown) => onReload(error instanceof Error ? error : new Error(String(error))),
      );
    };
    for (const file of files) {
      watchFile(file, { persistent: false, interval: watchIntervalMs }, changed);
    }
    return () => {
      for (const file of files) unwatchFile(file, changed);
    };
  }
}

async function readMaterial(info: TlsInfo): Promise<Material> {
  const prefix = info.side === 'peer' ? '--peer-' : '--';
  const read = async (flag: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new TlsLoadError(`${prefix}${flag} ${file}: ${(error as Error).message}`);
    }
  };
  const [key, cert, ca] = await Promise.all([
    read('key-file', info.keyFile),
    read('cert-file', info.certFile),
    info.trustedCaFile === '' ? undefined : read('trusted-ca-file', info.trustedCaFile),
  ]);
  try {
    // Parses every PEM and checks that the key belongs to the certificate.
    createSecureContext({ key, cert, ...(ca === undefined ? {} : { ca }) });
  } catch (error) {
    throw new TlsLoadError(
      `${info.certFile}, ${info.keyFile}${ca === undefined ? '' : `, ${info.trustedCaFile}`}: ${(error as Error).message}`,
    );
  }
  return { key, cert, ca };
}
