import { spawn, type ChildProcess } from 'node:child_process';
import { cpuSeconds } from './cpu.js';

/** A server under test, running as its own process. */
export interface ServerProcess {
  readonly name: string;
  /** host:port of its client (gRPC) listener. */
  readonly endpoint: string;
  readonly pid: number;
  /** CPU seconds the server has used so far. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Seen on stdout or stderr once the server accepts client requests; returns the endpoint. */
  readonly ready: (line: string) => string | undefined;
  readonly startTimeoutMs: number;
  readonly cwd?: string;
}

const tailLinesMax = 40;

/** Starts a server and resolves once it reports it is ready; rejects with its output's tail. */
export function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name}: ${why}\n--- last output ---\n${tail.join('\n')}`));
    };
    const timer = setTimeout(
      () => fail(`not ready after ${options.startTimeoutMs} ms`),
      options.startTimeoutMs,
    );
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > tailLinesMax) tail.shift();
      if (settled) return;
      const endpoint = options.ready(line);
      if (endpoint === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve(handle(options.name, child, endpoint));
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
    child.once('error', (error) => fail(`cannot start ${options.command}: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}

function handle(name: string, child: ChildProcess, endpoint: string): ServerProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: no pid`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name,
    endpoint,
    pid,
    cpuSeconds: () => cpuSeconds(pid),
    stop: async (graceMs = 10_000) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
