/**
 * The small load generator behind `bench` and `check perf`: `clients` concurrent loops over
 * `conns` clients (one connection each), running an operation until a total count or a
 * duration is reached, optionally paced to a rate; and the statistics etcd's benchmark
 * prints (throughput, slowest, fastest, average, stddev, percentiles).
 */
import { setMaxListeners } from 'node:events';
import type { Client } from '../../client/index.js';

export interface LoadOptions {
  readonly clients: readonly Client[];
  /** Concurrent loops, spread over the clients round robin. */
  readonly concurrency: number;
  /** Stop after this many operations... */
  readonly total?: number;
  /** ...or after this long. */
  readonly durationMs?: number;
  /** Operations per second, at most (0: as fast as they go). */
  readonly rate?: number;
  readonly signal?: AbortSignal;
  /** One operation; `i` counts from 0. */
  readonly op: (client: Client, i: number) => Promise<unknown>;
  /** Called after each operation (for progress). */
  readonly onDone?: (done: number) => void;
}

export interface LoadResult {
  /** Each successful operation's latency, ms, in completion order. */
  readonly latenciesMs: number[];
  readonly errors: Map<string, number>;
  readonly elapsedMs: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const errors = new Map<string, number>();
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const total = options.total ?? Infinity;
  let next = 0;
  let done = 0;
  // Each call in flight listens for the client's close: many at once are expected here, not
  // a leak (node warns past 10).
  const perClient = Math.ceil(options.concurrency / options.clients.length);
  for (const client of options.clients) {
    setMaxListeners(perClient * 2 + 10, client.connection.closeSignal);
  }
  const loop = async (worker: number): Promise<void> => {
    const client = options.clients[worker % options.clients.length]!;
    for (;;) {
      if (options.signal?.aborted === true) return;
      const i = next++;
      if (i >= total) return;
      if (options.rate !== undefined && options.rate > 0) {
        const slot = started + (i * 1000) / options.rate;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (performance.now() >= deadline) return;
      const t0 = performance.now();
      try {
        await options.op(client, i);
        latenciesMs.push(performance.now() - t0);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        errors.set(text, (errors.get(text) ?? 0) + 1);
      }
      done += 1;
      options.onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => loop(w)));
  return { latenciesMs, errors, elapsedMs: performance.now() - started };
}

export interface LoadStats {
  readonly requests: number;
  readonly errors: number;
  readonly totalSeconds: number;
  readonly perSecond: number;
  readonly slowestMs: number;
  readonly fastestMs: number;
  readonly averageMs: number;
  readonly stddevMs: number;
  /** [percentile, ms] for 10, 25, 50, 75, 90, 95, 99, 99.9. */
  readonly percentiles: [number, number][];
}

export const percentilePoints = [10, 25, 50, 75, 90, 95, 99, 99.9];

export function loadStats(result: LoadResult): LoadStats {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const average = n === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n === 0 ? 0 : sorted.reduce((a, b) => a + (b - average) ** 2, 0) / n;
  let errors = 0;
  for (const count of result.errors.values()) errors += count;
  return {
    requests: n,
    errors,
    totalSeconds: result.elapsedMs / 1000,
    perSecond: result.elapsedMs === 0 ? 0 : (n * 1000) / result.elapsedMs,
    slowestMs: n === 0 ? 0 : sorted[n - 1]!,
    fastestMs: n === 0 ? 0 : sorted[0]!,
    averageMs: average,
    stddevMs: Math.sqrt(variance),
    percentiles: percentilePoints.map((p) => [p, percentile(sorted, p)]),
  };
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** A key of `size` bytes for operation `i` in a key space of `space` keys. */
export function benchKey(prefix: string, i: number, size: number, space: number): string {
  const n = String(i % space);
  return `${prefix}${n.padStart(Math.max(0, size - prefix.length), '0')}`;
}
