/**
 * The `concord` CLI as the command tests run it: bundled once per test process with esbuild
 * (our TypeScript in one file, packages left to node_modules) under test-output/, so each
 * run costs a plain `node` start instead of tsx compiling the sources again (the machine
 * is shared; a test file runs the CLI dozens of times). The bundle sits two directories
 * below the repository root, as src/cli/main.ts does, so its relative paths (proto/,
 * package.json) resolve the same.
 *
 * `runConcord` runs a command to completion (stdin written and closed); `spawnConcord`
 * starts a long-running one (watch, lock, elect) whose output can be waited on.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { waitFor } from '../helpers/wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bundleDir = join(repoRoot, 'test-output', `cli-bundle-${process.pid}`);
const bundle = join(bundleDir, 'concord.mjs');
let built: Promise<string> | undefined;

/** Builds the bundle (once per process); resolves to its path. */
export function concordBundle(): Promise<string> {
  built ??= (async () => {
    mkdirSync(bundleDir, { recursive: true });
    await build({
      entryPoints: [join(repoRoot, 'src/cli/bin.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return bundle;
  })();
  return built;
}

process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Runs `concord <args>` to completion (bounded: 60 s by default). */
export async function runConcord(args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  const entry = await concordBundle();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [entry, ...args],
      {
        cwd: repoRoot,
        timeout: options.timeoutMs ?? 60_000,
        env: { ...process.env, ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

/** Runs `concord <args>`, asserts exit code 0, and returns stdout. */
export async function concordOk(
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const ran = await runConcord(args, options);
  assert.equal(ran.code, 0, `concord ${args.join(' ')} exited ${ran.code}: ${ran.stderr}`);
  return ran.stdout;
}

const live = new Set<RunningConcord>();

/** A long-running `concord` command. */
export class RunningConcord {
  stdout = '';
  stderr = '';
  exitCode: number | null | undefined;
  signalCode: NodeJS.Signals | null = null;
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly what: string,
  ) {
    live.add(this);
    child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.notify();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.exitCode = code;
        this.signalCode = signal;
        live.delete(this);
        resolve(code);
        this.notify();
      }),
    );
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Waits until stdout (or stderr) matches; fails early if the command exits first. */
  printed(
    pattern: RegExp | string,
    timeoutMs = 20_000,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): Promise<string> {
    const holds = (): boolean =>
      typeof pattern === 'string' ? this[stream].includes(pattern) : pattern.test(this[stream]);
    return waitFor<string>(
      `concord ${this.what} to print ${String(pattern)} on ${stream}`,
      (done, fail) => {
        const check = (): void => {
          if (holds()) {
            this.listeners.delete(check);
            done(this[stream]);
          } else if (this.exitCode !== undefined) {
            this.listeners.delete(check);
            fail(
              new Error(
                `concord ${this.what} exited ${this.exitCode} first; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
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

  /** Waits for the exit code (bounded). */
  exit(timeoutMs = 20_000): Promise<number | null> {
    return waitFor(
      `concord ${this.what} to exit`,
      (done) => void this.exited.then(done),
      timeoutMs,
    );
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 20_000): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill(signal);
    return this.exit(timeoutMs);
  }

  static killAll(): void {
    for (const running of live) running.child.kill('SIGKILL');
    live.clear();
  }
}

/** Starts `concord <args>` in the background. */
export async function spawnConcord(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunningConcord> {
  const entry = await concordBundle();
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new RunningConcord(child, args.slice(0, 2).join(' '));
}

process.once('exit', () => RunningConcord.killAll());
