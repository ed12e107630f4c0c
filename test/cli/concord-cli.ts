/**
 * The `concord` command as the tests run it (node --import tsx src/cli/bin.ts): one-shot
 * commands run to completion, and `concord cluster` as a long-running child that is ready
 * once it prints its etcdctl line. Every cluster started here is stopped (or killed, with its
 * members) by `ClusterCommand.destroyAll()` or, as a last resort, on process exit.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const entry = ['--import', 'tsx', 'src/cli/bin.ts'];

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `concord <args>` to completion (bounded: 60 s). */
export function concord(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...entry, ...args],
      { cwd: repoRoot, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `concord <args>` and asserts exit code 0; returns stdout. */
export async function concordOk(...args: string[]): Promise<string> {
  const ran = await concord(...args);
  assert.equal(ran.code, 0, `concord ${args.join(' ')} exited ${ran.code}: ${ran.stderr}`);
  return ran.stdout;
}

const live = new Set<ClusterCommand>();

/** `concord cluster ...` running in the background. */
export class ClusterCommand {
  stdout = '';
  stderr = '';
  /** host:port of each member, from the printed etcdctl line. */
  endpoints: string[] = [];
  /** Member pids, from the printed table (for the last-resort cleanup). */
  memberPids: number[] = [];
  readonly exited: Promise<number | null>;
  private readonly listeners = new Set<() => void>();
  private exitCode: number | null | undefined;

  private constructor(private readonly child: ChildProcess) {
    live.add(this);
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      for (const listener of this.listeners) listener();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-32 * 1024);
      for (const listener of this.listeners) listener();
    });
    this.exited = new Promise((resolve) =>
      child.once('close', (code) => {
        this.exitCode = code;
        live.delete(this);
        resolve(code);
        for (const listener of this.listeners) listener();
      }),
    );
  }

  /** Starts `concord cluster <args>` and waits until it prints the etcdctl line. */
  static async start(args: readonly string[], timeoutMs = 90_000): Promise<ClusterCommand> {
    const child = spawn(process.execPath, [...entry, 'cluster', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cluster = new ClusterCommand(child);
    const line = await cluster.printed(/^ETCDCTL_API=3 etcdctl --endpoints=(\S+)/m, timeoutMs);
    cluster.endpoints = line[1]!.split(',');
    cluster.memberPids = [...cluster.stdout.matchAll(/ pid (\d+)$/gm)].map((m) => Number(m[1]));
    return cluster;
  }

  /** Waits until stdout (or stderr, if asked) matches `pattern`; fails early on exit. */
  printed(
    pattern: RegExp,
    timeoutMs = 30_000,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): Promise<RegExpExecArray> {
    return waitFor<RegExpExecArray>(
      `concord cluster to print ${pattern} on ${stream}`,
      (done, fail) => {
        const check = (): void => {
          const match = pattern.exec(this[stream]);
          if (match !== null) {
            this.listeners.delete(check);
            done(match);
          } else if (this.exitCode !== undefined) {
            this.listeners.delete(check);
            fail(
              new Error(
                `concord cluster exited ${this.exitCode} first; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
              ),
            );
          }
        };
        this.listeners.add(check);
        check();
      },
      timeoutMs,
    );
  }

  /** SIGTERM, and the exit code (bounded). */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    return waitFor(
      'concord cluster to exit after SIGTERM',
      (done) => void this.exited.then(done),
      timeoutMs,
    );
  }

  /** SIGKILL the command and its members (they run in their own process groups). */
  killSync(): void {
    for (const pid of [this.child.pid, ...this.memberPids]) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    live.delete(this);
  }

  /** For `after` hooks: stops every cluster still running (kills those that do not stop). */
  static async destroyAll(): Promise<void> {
    await Promise.all(
      [...live].map(async (cluster) => {
        try {
          await cluster.stop();
        } catch {
          cluster.killSync();
        }
      }),
    );
  }
}

process.once('exit', () => {
  for (const cluster of [...live]) cluster.killSync();
});
