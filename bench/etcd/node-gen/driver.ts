/**
 * The Node load generator: spreads a workload's connections (and the clients on them) over
 * worker processes, each with its own connections and its own CPU, starts them together,
 * and merges their results into one figure. One Node gRPC client process tops out at a few
 * thousand calls per second, so a single process would measure itself, not the server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Histogram } from '../histogram.js';
import { endpointOf } from '../load-target.js';
import type { Workload } from '../workloads.js';
import type { SetupMessage, WorkerMessage, WorkerRole } from './protocol.js';

const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const setupTimeoutMs = 60_000;
/**
 * Workers start at once and warm up (connections, JIT, server caches) for at least this long
 * before the measured window opens; it also covers the start message's IPC latency.
 */
const warmupMsMin = 500;

export interface NodeRunOptions {
  readonly workload: Workload;
  /**
   * Connection c goes to endpoints[c mod n]. The watch workload's putter writes through
   * endpoints[0] (put the leader first).
   */
  readonly endpoints: readonly string[];
  readonly seconds: number;
  /** Unmeasured warm-up before the window opens (at least warmupMsMin). */
  readonly warmupMs?: number;
  /** At most this many worker processes (never more than the workload's connections). */
  readonly workersMax: number;
  /** Sampled when the window opens and closes: the server's CPU seconds so far. */
  readonly serverCpuSeconds: () => number;
}

export interface NodeRunResult {
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly latency: Histogram;
  readonly seconds: number;
  readonly generatorCpuSeconds: number;
  readonly workers: number;
  /** CPU seconds the server used over the window. */
  readonly serverCpuSeconds: number;
}

interface Worker {
  readonly child: ChildProcess;
  readonly setup: SetupMessage;
  next(): Promise<WorkerMessage>;
}

function spawnWorker(setup: SetupMessage): Worker {
  const child = fork(workerPath, [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: WorkerMessage[] = [];
  const waiting: ((message: WorkerMessage) => void)[] = [];
  const deliver = (message: WorkerMessage): void => {
    const waiter = waiting.shift();
    if (waiter === undefined) inbox.push(message);
    else waiter(message);
  };
  child.on('message', (message: WorkerMessage) => deliver(message));
  child.on('exit', (code, signal) =>
    deliver({ type: 'failed', error: `worker exited (code ${code}, signal ${signal})` }),
  );
  child.send(setup);
  return {
    child,
    setup,
    next: () => {
      const ready = inbox.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Connections dealt round robin to workers; clients dealt round robin to connections. */
export function plan(workload: Workload, workersMax: number): number[][] {
  const workers = Math.max(1, Math.min(workersMax, workload.conns));
  const perConn = Array.from(
    { length: workload.conns },
    (_, c) =>
      Math.floor(workload.clients / workload.conns) +
      (c < workload.clients % workload.conns ? 1 : 0),
  );
  const shares: number[][] = Array.from({ length: workers }, () => []);
  perConn.forEach((clients, c) => shares[c % workers]!.push(clients));
  return shares;
}

async function expect<T extends WorkerMessage['type']>(
  worker: Worker,
  type: T,
  what: string,
): Promise<Extract<WorkerMessage, { type: T }>> {
  const message = await worker.next();
  if (message.type === 'failed') throw new Error(`node generator worker: ${message.error}`);
  if (message.type !== type)
    throw new Error(`node generator: expected ${what}, got ${message.type}`);
  return message as Extract<WorkerMessage, { type: T }>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Calls `sample` at each epoch-ms instant; resolves with the samples. */
function sampleAt(instants: readonly number[], sample: () => number): Promise<number[]> {
  return Promise.all(
    instants.map(
      (at) =>
        new Promise<number>((resolve) => setTimeout(() => resolve(sample()), at - Date.now())),
    ),
  );
}

export async function runNodeGenerator(options: NodeRunOptions): Promise<NodeRunResult> {
  const { workload, endpoints, seconds } = options;
  const shares = plan(workload, options.workersMax);
  const setups: SetupMessage[] = shares.map((clientsPerConn, i) => ({
    type: 'setup',
    workload,
    role: 'clients' satisfies WorkerRole,
    clientsPerConn,
    // plan() deals connection c to worker c mod workers: this worker's j-th is i + j*workers.
    endpoints: clientsPerConn.map((_, j) => endpointOf(i + j * shares.length, endpoints)),
    workerIndex: i,
    putsPerSecond: 0,
  }));
  if (workload.kind === 'watch')
    setups.push({
      type: 'setup',
      workload,
      role: 'watch-putter',
      clientsPerConn: [1],
      endpoints: [endpointOf(0, endpoints)],
      workerIndex: setups.length,
      putsPerSecond: workload.putsPerSecond,
    });
  const workers = setups.map(spawnWorker);
  try {
    await withTimeout(
      Promise.all(workers.map((w) => expect(w, 'ready', 'ready'))),
      setupTimeoutMs,
      `${workers.length} generator workers to connect and prepare`,
    );
    const warmupMs = Math.max(warmupMsMin, options.warmupMs ?? 0);
    const startAt = Date.now() + warmupMs;
    const deadline = startAt + seconds * 1000;
    for (const w of workers) w.child.send({ type: 'start', startAt, deadline });
    const serverCpu = sampleAt([startAt, deadline], options.serverCpuSeconds);
    const results = await withTimeout(
      Promise.all(workers.map((w) => expect(w, 'result', 'result'))),
      warmupMs + seconds * 1000 + setupTimeoutMs,
      'generator workers to finish',
    );
    const latency = new Histogram();
    let ops = 0;
    let errors = 0;
    let firstError: string | undefined;
    let cpu = 0;
    results.forEach((r, i) => {
      cpu += r.cpuSeconds;
      errors += r.errors;
      firstError ??= r.firstError;
      // The putter's puts are load, not the figure: watch counts events at the watchers.
      if (setups[i]!.role === 'watch-putter') return;
      ops += r.ops;
      latency.merge(new Histogram(r.latency));
    });
    return {
      ops,
      errors,
      ...(firstError === undefined ? {} : { firstError }),
      latency,
      seconds,
      generatorCpuSeconds: cpu,
      workers: workers.length,
      serverCpuSeconds: await serverCpu.then(([a, b]) => b! - a!),
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}
