/**
 * Registers: many independent keys, each read, written and compare-and-set (a Txn comparing
 * the value) by several clients through any member; checked for linearizability per key.
 * Every write writes a value never written before, so anomalies read plainly.
 *
 * Keys rotate: each generation of keys lives `generationMs`, so one key's history stays short
 * enough for the exhaustive linearizability search (Jepsen's `independent` does the same).
 *
 * `reads: 'serializable'` makes reads local to the member that takes them (allowed to be
 * stale): the history is then NOT linearizable under partitions, and the checker must say so.
 */
import { checkLinearizability } from '../checker/linearizability.js';
import type { CheckResult } from '../checker/result.js';
import type { HistoryEvent } from '../history/event.js';
import { ClientProcess, pause, Refused, type Workload, type WorkloadContext } from './workload.js';

export interface RegisterOptions {
  readonly clients?: number;
  readonly keysPerGeneration?: number;
  readonly generationMs?: number;
  readonly reads?: 'linearizable' | 'serializable';
  /** Pause between one client's operations. */
  readonly thinkMs?: number;
}

export const registerPrefix = 'reg/';

export function registerWorkload(options: RegisterOptions = {}): Workload {
  const clients = options.clients ?? 5;
  const keys = options.keysPerGeneration ?? 6;
  const generationMs = options.generationMs ?? 8000;
  const serializable = options.reads === 'serializable';
  const thinkMs = options.thinkMs ?? 20;
  let written = 0;

  async function client(context: WorkloadContext, index: number): Promise<void> {
    const prng = context.prng.fork();
    const proc = new ClientProcess(context, prng);
    const started = performance.now();
    const lastSeen = new Map<string, string | null>();
    while (!context.signal.aborted) {
      const generation = Math.floor((performance.now() - started) / generationMs);
      const key = `${registerPrefix}${generation}-${prng.int(keys)}`;
      const roll = prng.float();
      const timeoutMs = context.opTimeoutMs;
      if (roll < 0.5) {
        const outcome = await proc.op(
          { f: 'read', key },
          async (c) => {
            const r = await c.range(key, { serializable, timeoutMs });
            return r.kvs[0]?.value.toString() ?? null;
          },
          { readOnly: true, output: (v) => v },
        );
        if (outcome.ok) lastSeen.set(key, outcome.result);
      } else if (roll < 0.75) {
        const value = `${index}.${++written}`;
        await proc.op({ f: 'write', key, value }, (c) => c.put(key, value, { timeoutMs }));
      } else {
        const expected = lastSeen.get(key) ?? `${index}.${written}`;
        const next = `${index}.${++written}`;
        await proc.op({ f: 'cas', key, value: [expected, next] }, async (c) => {
          const k = Buffer.from(key);
          const r = await c.txn(
            {
              compare: [{ key: k, target: 'VALUE', result: 'EQUAL', value: Buffer.from(expected) }],
              success: [{ requestPut: { key: k, value: Buffer.from(next) } }],
              failure: [],
            },
            timeoutMs,
          );
          if (!r.succeeded) throw new Refused('compare missed');
          return r;
        });
      }
      await pause(thinkMs, context.signal);
    }
  }

  return {
    name: serializable ? 'register-serializable' : 'register',
    async run(context) {
      await Promise.all(Array.from({ length: clients }, (_, i) => client(context, i)));
    },
    async check(events: readonly HistoryEvent[]): Promise<CheckResult> {
      const mine = events.filter((e) => e.key?.startsWith(registerPrefix) === true);
      return checkLinearizability(mine, { timeBudgetMs: 60_000 });
    },
  };
}
