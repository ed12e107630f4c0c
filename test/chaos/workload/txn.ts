/**
 * Multi-key transactions, Elle's list-append (FORMAT.md): each key holds a JSON list; a
 * transaction reads some keys and appends a unique element to others, in one atomic step.
 * Checked for strict serializability (checkTxns).
 *
 * etcd's Txn cannot read and then write what it read, so a read-modify-write is two requests:
 * a snapshot read of every key involved (one Txn of ranges: one revision), then a Txn whose
 * compares require each key's mod_revision unchanged and whose success branch writes the new
 * lists. When the compares hold, the reads are exactly the state at the commit; when they
 * miss, nothing was written (`fail`). A read-only transaction is the snapshot alone.
 */
import { checkTxns } from '../checker/txn.js';
import type { Value } from '../history/event.js';
import type { EtcdClient, RequestOp, TxnResponse } from '../client.js';
import { ClientProcess, pause, Refused, type Workload, type WorkloadContext } from './workload.js';

export const txnPrefix = 'txn/';

export interface TxnOptions {
  readonly clients?: number;
  readonly keys?: number;
  readonly thinkMs?: number;
}

type Micro = ['r', string, number[] | null] | ['append', string, number];

export function txnWorkload(options: TxnOptions = {}): Workload {
  const clients = options.clients ?? 4;
  const keyCount = options.keys ?? 5;
  const thinkMs = options.thinkMs ?? 30;
  let element = 0;

  async function client(context: WorkloadContext): Promise<void> {
    const prng = context.prng.fork();
    const proc = new ClientProcess(context, prng);
    while (!context.signal.aborted) {
      const keys = prng.shuffle(Array.from({ length: keyCount }, (_, i) => `${txnPrefix}${i}`));
      const micro: Micro[] = keys
        .slice(0, prng.range(1, 3))
        .map((key) => (prng.chance(0.5) ? ['r', key, null] : ['append', key, ++element]));
      const timeoutMs = context.opTimeoutMs;
      await proc.op(
        { f: 'txn', value: micro as Value },
        async (c) => {
          let snapshot: Map<string, { list: number[]; modRevision: string }>;
          try {
            snapshot = await read(c, keys, timeoutMs);
          } catch (error) {
            // Nothing was written yet: certainly no effect.
            throw new Refused(`snapshot read failed: ${(error as Error).message}`);
          }
          const result = micro.map((m): Micro =>
            m[0] === 'r' ? ['r', m[1], snapshot.get(m[1])!.list] : m,
          );
          if (micro.every((m) => m[0] === 'r')) return result;
          const response = await commit(c, micro, snapshot, timeoutMs);
          if (!response.succeeded) throw new Refused('a key changed since the snapshot');
          return result;
        },
        { output: (r) => r as Value },
      );
      await pause(thinkMs, context.signal);
    }
  }

  return {
    name: 'txn',
    async run(context) {
      await Promise.all(Array.from({ length: clients }, () => client(context)));
    },
    async check(events) {
      return checkTxns(events.filter((e) => e.f === 'txn'));
    },
  };
}

/** Every key's list and mod_revision at one revision (0 for an absent key). */
async function read(
  c: EtcdClient,
  keys: readonly string[],
  timeoutMs: number,
): Promise<Map<string, { list: number[]; modRevision: string }>> {
  const response = await c.txn(
    {
      compare: [],
      success: keys.map((key) => ({ requestRange: { key: Buffer.from(key) } })),
      failure: [],
    },
    timeoutMs,
  );
  const out = new Map<string, { list: number[]; modRevision: string }>();
  keys.forEach((key, i) => {
    const kv = response.responses[i]?.responseRange?.kvs[0];
    out.set(key, {
      list: kv === undefined ? [] : (JSON.parse(kv.value.toString()) as number[]),
      modRevision: kv?.modRevision ?? '0',
    });
  });
  return out;
}

/** Writes the appends if no key involved changed since the snapshot. */
function commit(
  c: EtcdClient,
  micro: readonly Micro[],
  snapshot: Map<string, { list: number[]; modRevision: string }>,
  timeoutMs: number,
): Promise<TxnResponse> {
  const puts: RequestOp[] = [];
  for (const m of micro) {
    if (m[0] !== 'append') continue;
    const list = [...snapshot.get(m[1])!.list, m[2]];
    puts.push({ requestPut: { key: Buffer.from(m[1]), value: Buffer.from(JSON.stringify(list)) } });
  }
  return c.txn(
    {
      compare: micro.map((m) => ({
        key: Buffer.from(m[1]),
        target: 'MOD' as const,
        result: 'EQUAL' as const,
        modRevision: Number(snapshot.get(m[1])!.modRevision),
      })),
      success: puts,
      failure: [],
    },
    timeoutMs,
  );
}
