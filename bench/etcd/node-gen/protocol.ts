/** Messages between the Node load generator's driver and its worker processes (IPC). */
import type { HistogramCounts } from '../histogram.js';
import type { Workload } from '../workloads.js';

export type WorkerRole = 'clients' | 'watch-putter';

/** Driver -> worker, first: what to run, where; the worker connects and prepares. */
export interface SetupMessage {
  readonly type: 'setup';
  readonly workload: Workload;
  readonly role: WorkerRole;
  /** This worker's share: clients per connection (one entry per connection it opens). */
  readonly clientsPerConn: readonly number[];
  /** host:port each of those connections goes to (same length as clientsPerConn). */
  readonly endpoints: readonly string[];
  /** Distinguishes this worker's keys from the others'. */
  readonly workerIndex: number;
  /** watch-putter: puts per second. */
  readonly putsPerSecond: number;
}

/**
 * Driver -> worker, once every worker is ready: run at once, warming up, and measure from
 * `startAt` until `deadline` (epoch ms).
 */
export interface StartMessage {
  readonly type: 'start';
  readonly startAt: number;
  readonly deadline: number;
}

export type DriverMessage = SetupMessage | StartMessage;

export interface ReadyMessage {
  readonly type: 'ready';
}

export interface ResultMessage {
  readonly type: 'result';
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly latency: HistogramCounts;
  /** CPU seconds this worker used between start and its last operation. */
  readonly cpuSeconds: number;
}

export interface FailedMessage {
  readonly type: 'failed';
  readonly error: string;
}

export type WorkerMessage = ReadyMessage | ResultMessage | FailedMessage;
