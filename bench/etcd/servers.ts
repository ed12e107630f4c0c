import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';
import { freePort } from './free-port.js';
import { spawnServer, type ServerProcess } from './server-process.js';

const startTimeoutMs = 30_000;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function tempDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A single-member etcd (Debian's etcd-server) on free loopback ports with a temp data dir.
 * Durability as shipped: etcd fsyncs its WAL before acknowledging a write.
 */
export async function startEtcd(cleanup: Cleanup, command = 'etcd'): Promise<ServerProcess> {
  const dir = tempDir(cleanup, 'concord-bench-etcd-');
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const server = await spawnServer({
    name: 'etcd',
    command,
    args: [
      '--name=bench',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ],
    // 3.4 with zap logs this once the member is published (it has a leader); older
    // capnslog builds said "serving insecure client requests".
    ready: (line) =>
      /serving client traffic insecurely|serving insecure client requests/.test(line)
        ? new URL(client).host
        : undefined,
    startTimeoutMs,
  });
  cleanup.add('stop etcd', () => server.stop());
  return server;
}

export interface ConcordOptions {
  /** Write a V8 CPU profile of the member into this directory when it stops. */
  readonly cpuProfileDir?: string;
}

/**
 * A single-member Concord (`concord serve` from this checkout's sources) on a free loopback
 * port with a temp data dir; it fsyncs its WAL before acknowledging a write, as etcd does.
 */
export async function startConcord(
  cleanup: Cleanup,
  options: ConcordOptions = {},
): Promise<ServerProcess & { readonly dir: string }> {
  const dir = tempDir(cleanup, 'concord-bench-concord-');
  const profile =
    options.cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const server = await spawnServer({
    name: 'concord',
    command: process.execPath,
    args: [
      ...profile,
      '--import',
      'tsx',
      join(repoRoot, 'src/cli/bin.ts'),
      'serve',
      '--name=bench',
      `--data-dir=${join(dir, 'data')}`,
      // Port 0: the member binds a free port itself and prints it (no race for the port).
      '--listen-client-urls=http://127.0.0.1:0',
      '--log-level=warn',
    ],
    cwd: repoRoot,
    ready: (line) => /^concord: serving client requests on http:\/\/(\S+)$/.exec(line)?.[1],
    startTimeoutMs,
  });
  cleanup.add('stop concord', () => server.stop());
  return { ...server, dir };
}
