/**
 * `concord serve`'s TLS, from the flags to the credentials the server and the peer transport
 * use: --cert-file/--key-file (or --auto-tls: a self-signed certificate under
 * `<data-dir>/fixtures/client`, as etcd keeps it), --trusted-ca-file and --client-cert-auth;
 * the same with --peer- for members (`<data-dir>/fixtures/peer`). Certificate files given by
 * flag win over auto-tls, as in etcd.
 *
 * Reload: `watch()` polls the files and swaps the certificate for new connections when they
 * change (renewing a certificate needs no restart), logging each reload or failed reload.
 */
import { join } from 'node:path';
import { ensureSelfSignedFiles } from '../env/tls/self-signed.js';
import { TlsCredentials, TlsLoadError } from '../env/tls/tls-credentials.js';
import { ConfigError, type ServeConfig, type TlsFlags } from './serve-config.js';

/** Where reloads are reported (the serve logger fits). */
export interface TlsReloadLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ServeTls {
  /** For https:// client URLs; undefined when no client TLS is configured. */
  readonly client: TlsCredentials | undefined;
  /** For https:// peer URLs and dialing https:// peers; undefined when not configured. */
  readonly peer: TlsCredentials | undefined;
  /** Reloads each side when its files change; returns the function that stops watching. */
  watch(log: TlsReloadLog): () => void;
}

/** Loads both sides; rejects with a ConfigError that names the flag or file at fault. */
export async function loadServeTls(config: ServeConfig): Promise<ServeTls> {
  const client = await side(config.clientTls, 'client', config.dataDir, [
    ...config.listenClientUrls,
    ...config.advertiseClientUrls.map((url) => new URL(url)),
  ]);
  const peer = await side(config.peerTls, 'peer', config.dataDir, [
    ...config.listenPeerUrls,
    ...config.initialAdvertisePeerUrls.map((url) => new URL(url)),
  ]);
  return {
    client,
    peer,
    watch: (log) => {
      const stops = [client, peer].flatMap((credentials) => {
        if (credentials === undefined || credentials.info.selfSigned) return [];
        const which = credentials.info.side ?? 'client';
        return [
          credentials.watch((error) => {
            if (error === undefined) log.info('reloaded TLS certificate', { side: which });
            else
              log.warn('failed to reload TLS certificate', { side: which, error: error.message });
          }),
        ];
      });
      return () => stops.forEach((stop) => stop());
    },
  };
}

async function side(
  flags: TlsFlags,
  which: 'client' | 'peer',
  dataDir: string,
  urls: readonly URL[],
): Promise<TlsCredentials | undefined> {
  let files: { certFile: string; keyFile: string; selfSigned: boolean };
  if (flags.certFile !== '') {
    files = { certFile: flags.certFile, keyFile: flags.keyFile, selfSigned: false };
  } else if (flags.autoTls) {
    const hosts = [...new Set(urls.map((url) => url.hostname))];
    const dir = join(dataDir, 'fixtures', which);
    try {
      files = { ...(await ensureSelfSignedFiles(dir, hosts)), selfSigned: true };
    } catch (error) {
      throw new ConfigError(
        `--${which === 'peer' ? 'peer-' : ''}auto-tls: cannot write ${dir}: ${(error as Error).message}`,
      );
    }
  } else {
    return undefined;
  }
  try {
    return await TlsCredentials.load({
      ...files,
      trustedCaFile: flags.trustedCaFile,
      clientCertAuth: flags.clientCertAuth,
      side: which,
    });
  } catch (error) {
    if (error instanceof TlsLoadError) throw new ConfigError(error.message);
    throw error;
  }
}
