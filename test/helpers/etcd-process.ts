/**
 * A real single-member etcd (Debian's etcd-server, /usr/bin/etcd) as a child process, for
 * tests that run the same bodies against Concord and etcd: free loopback ports, a fresh temp
 * data dir, ready once etcd says it serves clients. `etcdUnavailable()` names why a test
 * must skip (the binary is missing).
 *
 * @example
 * const etcd = await EtcdProcess.start();
 * try {
 *   // ... talk to etcd.endpoint (127.0.0.1:PORT)
 * } finally {
 *   await etcd.destroy();
 * }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

export const etcdBinary = '/usr/bin/etcd';

/** Why etcd cannot run here (a skip message), or false when it can. */
export function etcdUnavailable(): string | false {
  return existsSync(etcdBinary)
    ? false
    : `${etcdBinary} is missing (apt-get install etcd-server): skipping the etcd cases`;
}

const live = new Set<EtcdProcess>();

export class EtcdProcess {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    readonly dir: string,
    /** host:port of its client listener. */
    readonly endpoint: string,
    readonly peerUrl: string,
    private readonly args: readonly string[],
    readonly scheme: 'http' | 'https' = 'http',
  ) {
    live.add(this);
  }

  /**
   * `tls`: serve clients over https with this certificate, and with `ca`, require client
   * certificates signed by it (--client-cert-auth). `args`: more flags.
   */
  static async start(
    options: { args?: readonly string[]; tls?: { cert: string; key: string; ca?: string } } = {},
  ): Promise<EtcdProcess> {
    const tls = options.tls;
    const tlsArgs =
      tls === undefined
        ? []
        : [
            `--cert-file=${tls.cert}`,
            `--key-file=${tls.key}`,
            ...(tls.ca === undefined ? [] : [`--trusted-ca-file=${tls.ca}`, '--client-cert-auth']),
          ];
    const dir = mkdtempSync(join(tmpdir(), 'concord-etcd-'));
    const etcd = new EtcdProcess(
      dir,
      `127.0.0.1:${await freePort()}`,
      `http://127.0.0.1:${await freePort()}`,
      [...tlsArgs, ...(options.args ?? [])],
      tls === undefined ? 'http' : 'https',
    );
    try {
      await etcd.launch(etcd.args);
    } catch (error) {
      await etcd.destroy();
      throw error;
    }
    return etcd;
  }

  /** scheme://host:port */
  get url(): string {
    return `${this.scheme}://${this.endpoint}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private async launch(args: readonly string[]): Promise<void> {
    const client = `${this.scheme}://${this.endpoint}`;
    const child = spawn(
      etcdBinary,
      [
        '--name=test',
        `--data-dir=${join(this.dir, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${this.peerUrl}`,
        `--initial-advertise-peer-urls=${this.peerUrl}`,
        `--initial-cluster=test=${this.peerUrl}`,
        '--logger=zap',
        '--log-outputs=stderr',
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor<void>(
      `etcd on ${this.endpoint} to serve clients`,
      (done, fail) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          this.log = (this.log + chunk.toString()).slice(-64 * 1024);
          // 3.4 with zap logs this once the member has a leader and published itself.
          if (
            /serving client traffic (in)?securely|ready to serve client requests/.test(this.log)
          ) {
            done();
          }
        });
        void exited.then(() => fail(new Error(`etcd exited before serving:\n${this.log}`)));
      },
      30_000,
    );
  }

  /** SIGKILL (a crash); the data dir stays for restart(). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on its data dir and ports (after kill()). */
  async restart(): Promise<void> {
    this.log = '';
    await this.launch(this.args);
  }

  /** SIGKILL, waits for the exit, removes the data dir. Idempotent. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  private killSync(): void {
    try {
      if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  static destroyAllSync(): void {
    for (const etcd of live) etcd.killSync();
    live.clear();
  }
}

// The last resort when a test file dies without its `after` hooks: no orphans.
process.once('exit', () => EtcdProcess.destroyAllSync());
