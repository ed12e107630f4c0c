import type { HistoryEvent, OpFunction, Value } from './event.js';

/** Nanoseconds from a monotonic clock. */
export type MonotonicClock = () => bigint;

export interface RecorderOptions {
  /** Default: process.hrtime.bigint, monotonic and unaffected by wall-clock jumps. */
  readonly clock?: MonotonicClock;
  /** Called with every event as it is appended, e.g. a JSONL log (jsonl.ts) so a crash of the
   *  harness still leaves the history on disk. */
  readonly sink?: (event: HistoryEvent) => void;
}

export interface InvokeRequest {
  readonly process: number;
  readonly f: OpFunction;
  readonly key?: string;
  readonly value?: Value;
  readonly node?: string;
}

/**
 * The client side of one operation, returned by `invoke`. Exactly one of ok/fail/info must be
 * called, once; a second completion is a harness bug and throws.
 */
export interface PendingOperation {
  /** It took effect; `value` is the result (a read's value, a txn's reads). */
  ok(value?: Value): void;
  /** It certainly did not take effect. */
  fail(error?: string, value?: Value): void;
  /** Unknown whether it took effect (a timeout, a lost connection). */
  info(error?: string): void;
}

/**
 * Appends events in the order they happen and stamps each with the clock and its index.
 *
 * Node runs one callback at a time, so an append is atomic: many concurrent async clients can
 * share one recorder. Each event is timed when it is recorded, so call `invoke` right before
 * sending the request and complete right after the response arrives: the recorded interval
 * then contains the real one, which is what makes the checkers sound.
 *
 * @example
 *   const recorder = new HistoryRecorder({ sink: log.append });
 *   const op = recorder.invoke({ process: 3, f: 'write', key: 'x', value: '7' });
 *   try { await client.put('x').value('7'); op.ok('7'); }
 *   catch (error) { definitelyRefused(error) ? op.fail(String(error)) : op.info(String(error)); }
 */
export class HistoryRecorder {
  private readonly history: HistoryEvent[] = [];
  private readonly open = new Set<number>();
  private readonly clock: MonotonicClock;
  private readonly sink: ((event: HistoryEvent) => void) | undefined;
  private lastTime = 0n;

  constructor(options: RecorderOptions = {}) {
    this.clock = options.clock ?? (() => process.hrtime.bigint());
    this.sink = options.sink;
  }

  invoke(request: InvokeRequest): PendingOperation {
    if (this.open.has(request.process)) {
      throw new Error(`process ${request.process} invoked while its previous operation is open`);
    }
    this.open.add(request.process);
    this.append({ ...request, type: 'invoke' });
    let completed = false;
    const complete = (event: Omit<HistoryEvent, 'time' | 'index'>): void => {
      if (completed) throw new Error(`process ${request.process}: operation completed twice`);
      completed = true;
      this.open.delete(request.process);
      this.append(event);
    };
    const base = {
      process: request.process,
      f: request.f,
      ...(request.key !== undefined && { key: request.key }),
      ...(request.node !== undefined && { node: request.node }),
    };
    return {
      ok: (value) => complete({ ...base, type: 'ok', ...(value !== undefined && { value }) }),
      fail: (error, value) =>
        complete({
          ...base,
          type: 'fail',
          ...(value !== undefined && { value }),
          ...(error !== undefined && { error }),
        }),
      info: (error) => complete({ ...base, type: 'info', ...(error !== undefined && { error }) }),
    };
  }

  /** Every event so far, in order. */
  events(): readonly HistoryEvent[] {
    return this.history;
  }

  private append(event: Omit<HistoryEvent, 'time' | 'index'>): void {
    // Clamp, so a clock that stalls or a test clock keeps the history's time order = index order.
    const now = this.clock();
    const time = now > this.lastTime ? now : this.lastTime;
    this.lastTime = time;
    const stamped: HistoryEvent = { ...event, time, index: this.history.length };
    this.history.push(stamped);
    this.sink?.(stamped);
  }
}
