/**
 * Debian's etcdctl (etcd-client, v3.4) as a test tool: run it to completion, or spawn a
 * long-running command (watch, lock, elect) and wait on what it prints. CI installs it
 * (.ci/run); locally, without the binary, `etcdctlSkip` says why the tests are skipped.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { waitFor } from './wait.js';

export const etcdctlBinary = ['/usr/bin/etcdctl', '/usr/local/bin/etcdctl'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/** For `describe(..., { skip })`: false when etcdctl is there, else the reason. */
export const etcdctlSkip: string | false =
  etcdctlBinary === undefined
    ? 'etcdctl not installed (apt-get install etcd-client; CI installs it): skipping etcdctl interop'
    : false;

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const env = { ...process.env, ETCDCTL_API: '3' };

export class Etcdctl {
  constructor(private readonly endpoint: () => string) {}

  private args(args: readonly string[]): string[] {
    return [`--endpoints=${this.endpoint()}`, '--command-timeout=5s', ...args];
  }

  /** Runs etcdctl to completion (stdin, if given, is written and closed). */
  run(args: readonly string[], stdin?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        etcdctlBinary as string,
        this.args(args),
        { env, timeout: 20_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      // etcdctl may exit before reading its stdin (a refused command exits at once): the
      // write then fails with EPIPE, which is no error of the command's.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(stdin ?? '');
    });
  }

  /** Runs etcdctl, asserts exit 0, and returns its stdout. */
  async ok(...args: string[]): Promise<string> {
    const run = await this.run(args);
    assert.equal(run.code, 0, `etcdctl ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
    return run.stdout;
  }

  /** Runs etcdctl -w json and parses the output. */
  async json<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.ok(...args, '-w', 'json')) as T;
  }

  /** Runs etcdctl expecting failure; returns its stderr. */
  async fails(...args: string[]): Promise<string> {
    const run = await this.run(args);
    assert.notEqual(run.code, 0, `etcdctl ${args.join(' ')} should fail; printed ${run.stdout}`);
    return run.stderr;
  }

  /** Starts a long-running etcdctl command (watch, lock, elect) as a child process. */
  spawn(...args: string[]): Spawned {
    return new Spawned(
      spawn(etcdctlBinary as string, [`--endpoints=${this.endpoint()}`, ...args], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
      args.join(' '),
    );
  }
}

/** A running etcdctl: its output so far, and waits on what it prints and on its exit. */
export class Spawned {
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;
  private readonly listeners = new Set<() => void>();
  exitCode: number | null | undefined;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly what: string,
  ) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      for (const listener of this.listeners) listener();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
        for (const listener of this.listeners) listener();
      }),
    );
  }

  /** Waits until stdout satisfies `test` (a substring or a predicate). */
  printed(test: string | ((stdout: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const holds = (): boolean =>
      typeof test === 'string' ? this.stdout.includes(test) : test(this.stdout);
    const expected = typeof test === 'string' ? JSON.stringify(test) : test.toString();
    return waitFor<string>(
      `etcdctl ${this.what} to print ${expected}`,
      (done, fail) => {
        const check = (): void => {
          if (holds()) {
            this.listeners.delete(check);
            done(this.stdout);
          } else if (this.exitCode !== undefined) {
            this.listeners.delete(check);
            fail(
              new Error(
                `etcdctl ${this.what} exited ${this.exitCode} before printing the expected output: stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`,
              ),
            );
          }
        };
        this.listeners.add(check);
        check();
      },
      timeoutMs,
    ).catch((error: unknown) => {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)} (stdout: ${JSON.stringify(this.stdout)}; stderr: ${JSON.stringify(this.stderr)})`,
      );
    });
  }

  /** Waits for the process to exit; resolves its exit code. */
  exit(timeoutMs = 10_000): Promise<number | null> {
    return waitFor(
      `etcdctl ${this.what} to exit`,
      (done) => void this.exited.then(done),
      timeoutMs,
    );
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill(signal);
    return this.exit();
  }
}
