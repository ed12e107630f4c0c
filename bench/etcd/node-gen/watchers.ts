/**
 * The watch workload: watchers on one key, a putter writing to it at a fixed rate. Each
 * put's value is its send time (epoch ms, float64), so a watcher's latency is the time from
 * the put being sent to the event arriving, and throughput is events delivered per second,
 * summed over every watcher.
 */
import type { Histogram } from '../histogram.js';
import type { Connection, DuplexCall } from './connection.js';

export const watchKey = Buffer.from('bench/watch');

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
 * resolves once the server has confirmed them all. Events received in [startAt, deadline)
 * are counted into `tally` and `latency`.
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
    if (now < window.startAt || now >= window.deadline) return;
    for (const event of response.events) {
      tally.events += 1;
      latency.record(now - event.kv.value.readDoubleLE(0));
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
 * whether or not earlier ones have been answered) from `startAt` until `deadline`.
 */
export function putAtRate(options: {
  readonly connection: Connection;
  readonly putsPerSecond: number;
  readonly window: { startAt: number; deadline: number };
  readonly tally: WatchTally;
}): Promise<void> {
  const { connection, putsPerSecond, window, tally } = options;
  const tickMs = 5;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = epochMs();
      if (now >= window.deadline) {
        clearInterval(timer);
        void Promise.all(inflight).then(() => resolve());
        return;
      }
      const due = Math.floor(((now - window.startAt) / 1000) * putsPerSecond);
      for (; sent < due; sent++) {
        const value = Buffer.alloc(8);
        value.writeDoubleLE(epochMs(), 0);
        const put = connection
          .unary('KV', 'Put', { key: watchKey, value })
          .then(
            () => {},
            (error: Error) => {
              tally.errors += 1;
              tally.firstError ??= error.message;
            },
          )
          .finally(() => inflight.delete(put));
        inflight.add(put);
      }
    }, tickMs);
  });
}
