import type { EventType, HistoryEvent, OpFunction, Value } from './event.js';

/**
 * An invoke paired with its completion: what the checkers reason about. An operation whose
 * completion never came (the run ended, the client crashed) is `info` with `returnTime`
 * undefined: its effect, if any, may land at any time after `invokeTime`.
 */
export interface Operation {
  readonly process: number;
  readonly f: OpFunction;
  readonly key?: string;
  /** What was asked: the invoke's value. */
  readonly input?: Value;
  /** What came back: the completion's value (undefined for `info`). */
  readonly output?: Value;
  readonly type: Exclude<EventType, 'invoke'>;
  readonly invokeTime: bigint;
  /** Undefined for `info`: the return is at +infinity (Porcupine, Knossos). */
  readonly returnTime?: bigint;
  /** For `info` only: when the client gave up waiting (drawn in reports; not a return). */
  readonly gaveUpTime?: bigint;
  readonly invokeIndex: number;
  readonly returnIndex?: number;
  readonly node?: string;
  readonly error?: string;
}

/**
 * Pairs each invoke with the next completion of the same process. Throws on a malformed
 * history (a completion with no invoke, a second invoke while one is outstanding): the
 * recorder never writes one, so it is a bug in whatever produced the events.
 *
 * @example
 *   const ops = pairOperations(readHistoryFile('history.jsonl'));
 */
export function pairOperations(events: readonly HistoryEvent[]): Operation[] {
  const sorted = [...events].sort(byTimeThenIndex);
  const open = new Map<number, HistoryEvent>();
  const done: Operation[] = [];
  for (const event of sorted) {
    const invoke = open.get(event.process);
    if (event.type === 'invoke') {
      if (invoke !== undefined) {
        throw new Error(
          `process ${event.process} invoked event ${event.index} while ${invoke.index} was open`,
        );
      }
      open.set(event.process, event);
      continue;
    }
    if (invoke === undefined) {
      throw new Error(
        `event ${event.index}: ${event.type} of process ${event.process} without an invoke`,
      );
    }
    open.delete(event.process);
    done.push(complete(invoke, event));
  }
  for (const invoke of open.values()) done.push(complete(invoke, undefined));
  return done.sort((a, b) => a.invokeIndex - b.invokeIndex);
}

/** A history as operations, whether it comes as raw events or already paired. */
export function toOperations(
  history: readonly HistoryEvent[] | readonly Operation[],
): readonly Operation[] {
  const first = history[0];
  if (first === undefined || 'invokeTime' in first) return history as readonly Operation[];
  return pairOperations(history as readonly HistoryEvent[]);
}

function complete(invoke: HistoryEvent, completion: HistoryEvent | undefined): Operation {
  const type = completion?.type ?? 'info';
  const definite = type !== 'info';
  return {
    process: invoke.process,
    f: invoke.f,
    ...(invoke.key !== undefined && { key: invoke.key }),
    ...(invoke.value !== undefined && { input: invoke.value }),
    ...(definite && completion?.value !== undefined && { output: completion.value }),
    type: type === 'invoke' ? 'info' : type,
    invokeTime: invoke.time,
    ...(definite && completion !== undefined && { returnTime: completion.time }),
    ...(!definite && completion !== undefined && { gaveUpTime: completion.time }),
    invokeIndex: invoke.index,
    ...(completion !== undefined && { returnIndex: completion.index }),
    ...((invoke.node ?? completion?.node) !== undefined && {
      node: invoke.node ?? completion?.node,
    }),
    ...(completion?.error !== undefined && { error: completion.error }),
  };
}

/** Events happen in time order; equal times keep the recorder's order (index). */
export function byTimeThenIndex(a: HistoryEvent, b: HistoryEvent): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.index - b.index;
}

/** A one-line description for reports: "p3 cas x [1,2] -> ok". */
export function describeOperation(op: Operation): string {
  const key = op.key !== undefined ? ` ${op.key}` : '';
  const input = op.input !== undefined ? ` ${JSON.stringify(op.input)}` : '';
  const output = op.output !== undefined ? ` ${JSON.stringify(op.output)}` : '';
  const node = op.node !== undefined ? ` @${op.node}` : '';
  return `p${op.process} ${op.f}${key}${input} -> ${op.type}${output}${node}`;
}
