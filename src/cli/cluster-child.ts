/**
 * One member of a local cluster as a child process running `concord serve`. Its output goes
 * to our stderr, each line prefixed with the member's name; it is ready once it prints
 * serve's "serving client requests" line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { PlannedMember } from './cluster-plan.js';

/** How to run `concord serve` (the same program that runs us, by default). */
export interface ServeCommand {
  readonly file: string;
  readonly args: readonly string[];
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const readyLine = 'concord: serving client requests on ';

/** Members still running: killed if this process exits without stopping them (a bug). */
const live = new Set<ClusterChild>();
process.once('exit', () => {
  for (const child of live) child.signal('SIGKILL');
});

/** `node [--import tsx] <our script> serve`: works from bin/concord.js and from src/cli/bin.ts. */
export function defaultServeCommand(): ServeCommand {
  const script = process.argv[1];
  if (script === undefined) throw new Error('process.argv[1] (the running script) is missing');
  return { file: process.execPath, args: [...process.execArgv, script, 'serve'] };
}

export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export class ClusterChild {
  /** Resolves once the member serves clients; rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | undefined;
  private readonly child: ChildProcess;

  constructor(
    readonly member: PlannedMember,
    command: ServeCommand,
    serveArgs: readonly string[],
    label: string,
    write: (line: string) => void,
  ) {
    // Its own process group: a Ctrl-C (SIGINT to the terminal's group) or a `kill` of our
    // group reaches only us, and we send each member exactly one SIGTERM (serve treats a
    // second signal as "die now").
    this.child = spawn(command.file, [...command.args, ...serveArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    live.add(this);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': the output has been read to its end by then.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once('error', (error) => {
        write(`${label} | cannot start: ${error.message}`);
      });
    });
    this.ready = new Promise((resolve, reject) => {
      for (const stream of [this.child.stdout, this.child.stderr]) {
        if (stream === null) continue;
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          if (line.startsWith(readyLine)) resolve();
          write(`${label} | ${line}`);
        });
      }
      void this.exited.then((exit) =>
        reject(new Error(`${member.name} stopped before serving (${describeExit(exit)})`)),
      );
    });
    this.ready.catch(() => undefined); // observed by whoever awaits it; never unhandled
    void this.exited.then(() => live.delete(this));
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}
