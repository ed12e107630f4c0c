/**
 * A real Concord member as a child process (`concord serve` through tsx), for integration and
 * interop tests: a fresh temp data dir, a free client port (port 0), ready once it prints
 * "concord: serving client requests on ...".
 *
 * Every process and every temp dir a test starts is tracked, and `destroyAll()` (or process
 * exit, as a last resort) kills and removes them, so a failing test leaves nothing behind.
 *
 * @example
 * const member = await MemberProcess.start({ args: ['--max-txn-ops', '8'] });
 * try {
 *   // ... talk to member.endpoint (127.0.0.1:PORT)
 *   await member.stop(); // SIGTERM; asserts exit code 0
 *   await member.restart(); // same data dir, new port
 * } finally {
 *   await member.destroy();
 * }
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const readyLine = 'concord: serving client requests on ';

export interface MemberProcessOptions {
  /** --name (default "default"). */
  readonly name?: string;
  /** --data-dir; default: a fresh temp dir, removed by destroy(). */
  readonly dataDir?: string;
  /** --listen-client-urls (default http://127.0.0.1:0: a free port). */
  readonly listenClientUrls?: string;
  /** More flags, appended after the ones above (a later flag wins in node's parseArgs). */
  readonly args?: readonly string[];
  /** How long to wait for the ready line (default 20 s: tsx compiles on first start). */
  readonly readyTimeoutMs?: number;
  /** Extra environment (CONCORD_* variables, say). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const live = new Set<MemberProcess>();

export class MemberProcess {
  /** host:port, as etcdctl and grpc-js want it. */
  endpoint = '';
  /** http://host:port */
  url = '';
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private stderrTail = '';
  /** How the last process exited (also when nobody asked it to: a crash, a stray signal). */
  lastExit: Exit | undefined;
  private readonly ownsDataDir: boolean;
  readonly dataDir: string;

  private constructor(private options: MemberProcessOptions) {
    this.ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? join(mkdtempSync(join(tmpdir(), 'concord-it-')), 'data');
    live.add(this);
  }

  /** Starts a member and resolves once it serves clients. */
  static async start(options: MemberProcessOptions = {}): Promise<MemberProcess> {
    const member = new MemberProcess(options);
    try {
      await member.launch();
    } catch (error) {
      await member.destroy();
      throw error;
    }
    return member;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The last 16 KiB the member wrote to stderr (its JSON log lines). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** For a failing test's message: pid, how it exited if it did, and its last log lines. */
  describe(): string {
    return `member ${this.name} (pid ${this.child?.pid ?? '-'}, last exit ${JSON.stringify(this.lastExit ?? null)}); stderr tail:\n${this.stderrTail.slice(-2000)}`;
  }

  /** SIGTERM, wait for the exit, and assert it was a clean one (exit code 0). */
  async stop(timeoutMs = 15_000): Promise<void> {
    const exit = await this.signal('SIGTERM', timeoutMs);
    assert.deepEqual(
      exit,
      { code: 0, signal: null },
      `member ${this.name} should exit 0 on SIGTERM; stderr:\n${this.stderrTail}`,
    );
  }

  /** SIGKILL (a crash: nothing is flushed), and wait for the process to be gone. */
  async kill(): Promise<Exit> {
    return this.signal('SIGKILL', 10_000);
  }

  /** Starts the member again on the same data dir (a new port unless listenClientUrls is fixed). */
  async restart(changes: Partial<MemberProcessOptions> = {}): Promise<void> {
    assert.equal(this.child, undefined, 'restart() needs the member stopped or killed first');
    this.options = { ...this.options, ...changes };
    await this.launch();
  }

  /** Kills the process if it still runs and removes the temp data dir. Idempotent. */
  async destroy(): Promise<void> {
    if (this.child !== undefined) await this.kill();
    if (this.ownsDataDir) rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
    live.delete(this);
  }

  /** destroy(), synchronously, for process exit: SIGKILL without waiting, remove the dir. */
  destroySync(): void {
    if (this.child?.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.ownsDataDir) rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
    live.delete(this);
  }

  /** Destroys every member started in this process (for an `after` hook). */
  static async destroyAll(): Promise<void> {
    await Promise.all([...live].map((member) => member.destroy()));
  }

  private get name(): string {
    return this.options.name ?? 'default';
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<Exit> {
    const child = this.child;
    const exited = this.exited;
    assert.ok(child !== undefined && exited !== undefined, `member ${this.name} is not running`);
    child.kill(signal);
    const exit = await waitFor<Exit>(
      `member ${this.name} (pid ${child.pid}) to exit after ${signal}`,
      (done) => void exited.then(done),
      timeoutMs,
    );
    this.child = undefined;
    this.exited = undefined;
    return exit;
  }

  private async launch(): Promise<void> {
    const args = [
      '--import',
      'tsx',
      'src/cli/bin.ts',
      'serve',
      '--name',
      this.name,
      '--data-dir',
      this.dataDir,
      '--listen-client-urls',
      this.options.listenClientUrls ?? 'http://127.0.0.1:0',
      // A single member has no peers, but it listens on its peer URL as etcd does: a free
      // port, so tests never collide on the default 2380.
      ...((this.options.args ?? []).includes('--listen-peer-urls')
        ? []
        : ['--listen-peer-urls', 'http://127.0.0.1:0']),
      ...(this.options.args ?? []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => {
        this.lastExit = { code, signal };
        resolve({ code, signal });
      }),
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-16 * 1024);
    });
    let stdout = '';
    const exited = this.exited;
    const url = await waitFor<string>(
      `member ${this.name} to print "${readyLine.trim()}"`,
      (done, fail) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((l) => l.startsWith(readyLine));
          if (line !== undefined) done(line.slice(readyLine.length).trim());
        });
        void exited.then((exit) =>
          fail(
            new Error(
              `member ${this.name} exited (${JSON.stringify(exit)}) before serving; stderr:\n${this.stderrTail}`,
            ),
          ),
        );
      },
      this.options.readyTimeoutMs ?? 20_000,
    ).catch(async (error: unknown) => {
      if (this.child !== undefined) await this.kill();
      throw error;
    });
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout?.resume();
    this.url = url;
    this.endpoint = new URL(url).host;
  }
}

// The last resort when a test file dies without its `after` hooks: no orphan members.
process.once('exit', () => {
  for (const member of [...live]) member.destroySync();
});
