/**
 * The watch workload: watchers on one key, a putter writing to it at a fixed rate. Each
 * put's value is its send time (epoch ms, float64), so a watcher's latency is the time from
 * the put being sent to the event arriving.
 *
 * The load is fixed, not as much as the server takes: the putter sends exactly `putsPerSecond`
 * times the window's seconds, all within the window, and a watcher counts the event of every
 * one of them that arrives by the deadline plus `watchGraceMs`. So the throughput is every
 * watcher times the rate for a server that keeps up, whatever its latency, and less only for
 * one that loses or strands events; the latency covers every event, the window's last ones
 * too (counting the events that arrive within the window would leave out the slowest).
 */
import type { Histogram } from '../histogram.js';
import type { Connection, DuplexCall } from './connection.js';

export const watchKey = Buffer.from('bench/watch');

/** How long after the deadline a watcher still waits for the window's events. */
export const watchGraceMs = 2_000;

/** Wall-clock time in ms, comparable across processes on one machine, sub-ms precise. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

interface WatchResponse {
  readonly created: boolean;
  readonly canceled: boolean;
  readonly cancelReason: string;
  readonly events: readonly { kv: { value: Buffer } }[];
}

export interface WatchTally {
  events: number;
  errors: number;
  firstError?: string;
}

/**
 * Opens one Watch stream on `connection` carrying `watchers` watchers on the watched key;
 * resolves once the server has confirmed them all. Events of puts sent from `startAt` on
 * that arrive before the deadline plus the grace are counted into `tally` and `latency`.
 */
export async function openWatchers(options: {
  readonly connection: Connection;
  readonly watchers: number;
  readonly latency: Histogram;
  readonly tally: WatchTally;
  readonly window: { startAt: number; deadline: number };
}): Promise<DuplexCall> {
  const { connection, watchers, latency, tally, window } = options;
  const stream = connection.stream('Watch', 'Watch');
  let created = 0;
  let onAllCreated: (() => void) | undefined;
  stream.on('data', (message: unknown) => {
    const response = message as WatchResponse;
    if (response.created) {
      created += 1;
      if (created === watchers) onAllCreated?.();
    }
    if (response.canceled) {
      tally.errors += 1;
      tally.firstError ??= `watch canceled: ${response.cancelReason}`;
    }
    const now = epochMs();
    if (now >= window.deadline + watchGraceMs) return;
    for (const event of response.events) {
      const sentAt = event.kv.value.readDoubleLE(0);
      if (sentAt < window.startAt) continue;
      tally.events += 1;
      latency.record(now - sentAt);
    }
  });
  stream.on('error', (error: Error) => {
    tally.errors += 1;
    tally.firstError ??= error.message;
  });
  await new Promise<void>((resolve) => {
    onAllCreated = resolve;
    for (let i = 0; i < watchers; i++) stream.write({ createRequest: { key: watchKey } });
  });
  return stream;
}

/**
 * Puts to the watched key at `putsPerSecond` (open loop: a put is sent when it is due,
 * whether or not earlier ones have been answered). Until `startAt` the puts are warm-up:
 * the servers' and the watchers' watch paths run before the window, and their events are
 * not counted (their send times are before it). From `startAt`, put i is due at
 * `startAt` + i/rate, for the rate times the window's seconds, so the last is due before
 * `deadline`. A put that fell due while the putter was off the CPU goes out when it is back.
 */
export function putAtRate(options: {
  readonly connection: Connection;
  readonly putsPerSecond: number;
  readonly window: { startAt: number; deadline: number };
  readonly tally: WatchTally;
}): Promise<void> {
  const { connection, putsPerSecond, window, tally } = options;
  const tickMs = 5;
  const total = Math.round(((window.deadline - window.startAt) / 1000) * putsPerSecond);
  const inflight = new Set<Promise<void>>();
  // A warm-up put is stamped with the instant it fell due (before `startAt`), not when it
  // leaves: stamped a moment later, one could pass for a put of the window.
  const put = (measured: boolean, dueAt: number): void => {
    const value = Buffer.alloc(8);
    value.writeDoubleLE(measured ? epochMs() : dueAt, 0);
    const answered = connection
      .unary('KV', 'Put', { key: watchKey, value })
      .then(
        () => {},
        (error: Error) => {
          if (!measured) return;
          tally.errors += 1;
          tally.firstError ??= error.message;
        },
      )
      .finally(() => inflight.delete(answered));
    inflight.add(answered);
  };
  const dueSince = (from: number, now: number): number =>
    Math.floor(((now - from) / 1000) * putsPerSecond) + 1;
  const warmFrom = epochMs();
  let warmSent = 0;
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = epochMs();
      if (now < window.startAt) {
        for (const due = dueSince(warmFrom, now); warmSent < due; warmSent++) put(false, now);
        return;
      }
      for (const due = Math.min(total, dueSince(window.startAt, now)); sent < due; sent++)
        put(true, now);
      if (sent === total) {
        clearInterval(timer);
        void Promise.all(inflight).then(() => resolve());
      }
    }, tickMs);
  });
}
