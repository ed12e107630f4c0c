/**
 * What every workload is: clients that run operations against the cluster until told to stop,
 * recording each one in the shared history (test/chaos/history), and a check of that history.
 * Workloads share one recorder and one process-number space; each keeps to its own key prefix.
 */
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Prng } from '../../../src/base/prng.js';
import type { CheckResult } from '../checker/result.js';
import type { HistoryEvent } from '../history/event.js';
import type { HistoryRecorder, InvokeRequest, PendingOperation } from '../history/recorder.js';
import type { ChaosCluster } from '../cluster.js';
import type { NemesisEvent } from '../nemesis/nemesis.js';
import { definiteFailure, describeError, type EtcdClient } from '../client.js';

export interface WorkloadContext {
  readonly chaos: ChaosCluster;
  readonly recorder: HistoryRecorder;
  readonly prng: Prng;
  /** Aborted when the run's time is up (after the faults are healed). */
  readonly signal: AbortSignal;
  /** A client operation's deadline: past it the operation is `info`. */
  readonly opTimeoutMs: number;
  /** A fresh process number (Jepsen's convention: after `info` a client takes a new one). */
  nextProcess(): number;
  /** The faults injected so far (a checker may widen a bound around them). */
  faults(): readonly NemesisEvent[];
  /** Files the workload leaves beside the history (watch deliveries, say). */
  readonly runDir: string;
  log(line: string): void;
}

export interface Workload {
  readonly name: string;
  /** Runs the clients until `context.signal` aborts, then waits for them to finish. */
  run(context: WorkloadContext): Promise<void>;
  /** Checks the run's history (every workload's events; each picks its own). */
  check(events: readonly HistoryEvent[], context: WorkloadContext): Promise<CheckResult>;
}

/**
 * One logical client: a process number (renewed after an indeterminate outcome) and a member
 * chosen per operation among those running, so the load spreads over the cluster.
 */
export class ClientProcess {
  process: number;

  constructor(
    private readonly context: WorkloadContext,
    private readonly prng: Prng,
    /** Sticks to one member when set (a watcher's stream, say). */
    private readonly pinned?: ClusterMember,
  ) {
    this.process = context.nextProcess();
  }

  /** A running member's client (any, at random, unless pinned). */
  member(): { member: ClusterMember; client: EtcdClient } | undefined {
    const running = this.context.chaos.cluster.running();
    const member = this.pinned ?? (running.length > 0 ? this.prng.pick(running) : undefined);
    if (member === undefined) return undefined;
    return { member, client: this.context.chaos.client(member) };
  }

  /**
   * Records one operation around `run`: invoke, then ok with what `run` returns, `fail` when
   * it throws a definite refusal (or `Refused`), `info` otherwise; a read-only operation that
   * throws is `fail` (it changed nothing either way).
   */
  async op<T>(
    request: Omit<InvokeRequest, 'process' | 'node'>,
    run: (client: EtcdClient) => Promise<T>,
    options: { readOnly?: boolean; output?: (result: T) => InvokeRequest['value'] } = {},
  ): Promise<{ ok: true; result: T } | { ok: false }> {
    const target = this.member();
    if (target === undefined) return { ok: false };
    const pending: PendingOperation = this.context.recorder.invoke({
      ...request,
      process: this.process,
      node: target.member.name,
    });
    try {
      const result = await run(target.client);
      const output = options.output?.(result);
      pending.ok(output);
      return { ok: true, result };
    } catch (error) {
      if (error instanceof Refused) pending.fail(error.message, error.value);
      else if (options.readOnly === true || definiteFailure(error)) {
        pending.fail(describeError(error));
      } else {
        pending.info(describeError(error));
        this.process = this.context.nextProcess();
      }
      return { ok: false };
    }
  }
}

/** Thrown inside an op's `run` when the operation certainly did not happen (a missed cas). */
export class Refused extends Error {
  constructor(
    message: string,
    readonly value?: InvokeRequest['value'],
  ) {
    super(message);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. Think time between operations. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
