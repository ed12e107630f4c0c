/**
 * Starting the job's processes (role.ts) as children and following their JSON progress
 * lines: used by main.ts (the demo) and by the test, which kills some of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RoleArgs } from './role.js';

const roleScript = fileURLToPath(new URL('./role.ts', import.meta.url));

export interface RoleEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export class RoleProcess {
  readonly events: RoleEvent[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private buffered = '';

  constructor(
    readonly role: 'coordinator' | 'worker',
    readonly args: RoleArgs,
    onEvent?: (process: RoleProcess, event: RoleEvent) => void,
  ) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', roleScript, role, JSON.stringify(args)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as RoleEvent;
        this.events.push(event);
        onEvent?.(this, event);
      }
      this.notify();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve();
      });
    });
  }

  get name(): string {
    return this.args.name;
  }
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves the first event that matches; fails if the process exits first or on timeout. */
  waitEvent(
    what: string,
    matches: (event: RoleEvent) => boolean,
    timeoutMs = 60_000,
  ): Promise<RoleEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${this.name}: ${what}`));
      }, timeoutMs);
      const check = (): void => {
        const found = this.events.find(matches);
        if (found === undefined && this.exit === undefined) return;
        this.listeners.delete(check);
        clearTimeout(timer);
        if (found !== undefined) resolve(found);
        else
          reject(
            new Error(
              `${this.name} exited (${JSON.stringify(this.exit)}) before ${what}; its events: ${JSON.stringify(this.events.map((e) => e.event))}; stderr: ${this.stderr}`,
            ),
          );
      };
      this.listeners.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
