/**
 * Starts recipes-worker.ts in a child process and reads its JSON lines. Every worker started
 * is killed by `killAll()` (and on exit, as a last resort).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const live = new Set<RecipeWorker>();

export class RecipeWorker {
  readonly messages: Record<string, unknown>[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private buffered = '';

  constructor(
    readonly role: string,
    args: object,
  ) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/client/recipes-worker.ts', role, JSON.stringify(args)],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    live.add(this);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() !== '') this.messages.push(JSON.parse(line) as Record<string, unknown>);
      }
      this.notify();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.once('exit', (code) => {
      this.exitCode = code;
      live.delete(this);
      this.notify();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Waits for a message with `field`; resolves it. Fails if the worker exits first. */
  message(field: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      `worker ${this.role} (pid ${this.pid}) to report "${field}"`,
      (done, fail) => {
        const check = (): void => {
          const found = this.messages.find((message) => field in message);
          if (found !== undefined) {
            this.listeners.delete(check);
            done(found);
          } else if (this.exitCode !== undefined) {
            this.listeners.delete(check);
            fail(new Error(`worker ${this.role} exited ${this.exitCode}: ${this.stderr}`));
          }
        };
        this.listeners.add(check);
        check();
      },
      timeoutMs,
    );
  }

  /** Waits for the worker to exit 0. */
  async finished(timeoutMs = 60_000): Promise<void> {
    const code = await waitFor<number | null>(
      `worker ${this.role} (pid ${this.pid}) to exit`,
      (done) => {
        const check = (): void => {
          if (this.exitCode !== undefined) done(this.exitCode);
        };
        this.listeners.add(check);
        check();
      },
      timeoutMs,
    );
    if (code !== 0) throw new Error(`worker ${this.role} exited ${code}: ${this.stderr}`);
  }

  /** SIGKILL: a crash, nothing cleaned up. */
  async kill(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGKILL');
    await waitFor(
      `worker ${this.role} (pid ${this.pid}) to die`,
      (done) => {
        const check = (): void => {
          if (this.exitCode !== undefined) done(undefined);
        };
        this.listeners.add(check);
        check();
      },
      10_000,
    );
  }

  /** SIGKILL without waiting (for process exit). */
  killSync(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }

  static async killAll(): Promise<void> {
    await Promise.all([...live].map((worker) => worker.kill()));
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

process.once('exit', () => {
  for (const worker of live) worker.killSync();
});
