/**
 * Software transactional memory (etcd's concurrency.STM): run a function that reads and
 * writes keys as if alone; its writes are buffered and committed in one Txn guarded by what
 * it read, and the function runs again on a conflict.
 *
 * Isolation levels (etcd's names and guarantees):
 * - 'serializable-snapshot' (default): every read at the revision of the first read (one
 *   snapshot); commits only if no key read OR written changed since that snapshot.
 *   Serializable, and no write skew on written keys.
 * - 'serializable': every read at the first read's revision; commits only if no key read
 *   changed since it was read. Serializable.
 * - 'repeatable-reads': each key read at the latest revision when first read, then cached;
 *   commits only if none of them changed. Serializable for the keys it reads.
 * - 'read-committed': reads the latest values, commits unconditionally. Not serializable
 *   (lost updates happen); for writes that do not depend on what was read.
 *
 * @example
 * // Move 10 from a to b; the total stays the same under any concurrency.
 * await runStm(client, async (stm) => {
 *   const a = Number(await stm.get('accounts/a'));
 *   const b = Number(await stm.get('accounts/b'));
 *   stm.put('accounts/a', String(a - 10));
 *   stm.put('accounts/b', String(b + 10));
 * });
 */
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import { abortError } from '../errors.js';
import type { KeyValue } from '../key-value.js';
import { compare, op, type Compare, type Op, type RangeResult } from '../ops.js';
import { rangeOf } from './mutex.js';

export type Isolation =
  'serializable-snapshot' | 'serializable' | 'repeatable-reads' | 'read-committed';

export interface StmOptions extends CallOptions {
  readonly isolation?: Isolation;
  /** Keys read in one round trip before the first run (and refreshed after a conflict). */
  readonly prefetch?: readonly string[];
  /** Give up after this many conflicting runs (default 100). */
  readonly attemptsMax?: number;
}

/** What the transaction function sees. */
export interface Stm {
  /** The key's value (as text), or undefined when it does not exist. */
  get(key: string): Promise<string | undefined>;
  /** The key's mod revision as this transaction sees it (0: absent). */
  rev(key: string): Promise<number>;
  put(key: string, value: string, options?: { lease?: bigint }): void;
  delete(key: string): void;
}

export class StmConflictError extends Error {
  override readonly name = 'StmConflictError';
}

interface Write {
  readonly value: string | undefined; // undefined: delete
  readonly lease: bigint;
}

class StmRun implements Stm {
  /** Reads: key -> what was read (undefined kv: absent), and at which store revision. */
  readonly reads = new Map<string, { kv: KeyValue | undefined; revision: number }>();
  readonly writes = new Map<string, Write>();
  /** The snapshot revision for the serializable levels (set by the first read). */
  snapshot = 0;

  constructor(
    private readonly client: Client,
    private readonly isolation: Isolation,
    private readonly prefetched: Map<string, { kv: KeyValue | undefined; revision: number }>,
    private readonly options: CallOptions,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const write = this.writes.get(key);
    if (write !== undefined) return write.value;
    return (await this.read(key))?.value.toString('utf8');
  }

  async rev(key: string): Promise<number> {
    return (await this.read(key))?.modRevision ?? 0;
  }

  put(key: string, value: string, options: { lease?: bigint } = {}): void {
    this.writes.set(key, { value, lease: options.lease ?? 0n });
  }

  delete(key: string): void {
    this.writes.set(key, { value: undefined, lease: 0n });
  }

  private async read(key: string): Promise<KeyValue | undefined> {
    const cached = this.reads.get(key);
    if (cached !== undefined && this.isolation !== 'read-committed') return cached.kv;
    let entry = this.prefetched.get(key);
    if (entry !== undefined && this.isolation !== 'read-committed') {
      this.prefetched.delete(key);
    } else {
      const snapshot = this.isolation.startsWith('serializable') ? this.snapshot : 0;
      // Linearizable even at a past revision: a member behind the snapshot would refuse a
      // local read of it as a future revision.
      const result: RangeResult = await this.client.range(key, {
        ...this.options,
        revision: snapshot,
      });
      entry = { kv: result.kvs[0], revision: result.revision };
    }
    if (this.snapshot === 0) this.snapshot = entry.revision;
    this.reads.set(key, entry);
    return entry.kv;
  }

  /** The guards of the commit, per the isolation level. */
  compares(): Compare[] {
    if (this.isolation === 'read-committed') return [];
    const guards = [...this.reads].map(([key, { kv }]) =>
      compare.modRevision(key, '=', kv?.modRevision ?? 0),
    );
    if (this.isolation === 'serializable-snapshot') {
      for (const key of this.writes.keys()) {
        if (!this.reads.has(key)) guards.push(compare.modRevision(key, '<', this.snapshot + 1));
      }
    }
    return guards;
  }

  ops(): Op[] {
    return [...this.writes].map(([key, write]) =>
      write.value === undefined ? op.delete(key) : op.put(key, write.value, { lease: write.lease }),
    );
  }
}

/**
 * Runs `apply` as a transaction at `options.isolation`, retrying on conflict; resolves with
 * its result and the commit revision.
 */
export async function runStm<T>(
  client: Client,
  apply: (stm: Stm) => Promise<T>,
  options: StmOptions = {},
): Promise<{ result: T; revision: number }> {
  const isolation = options.isolation ?? 'serializable-snapshot';
  const call: CallOptions = { signal: options.signal, timeoutMs: options.timeoutMs };
  const prefetched = new Map<string, { kv: KeyValue | undefined; revision: number }>();
  if (options.prefetch !== undefined && options.prefetch.length > 0) {
    const result = await client.commit(
      { compares: [], success: options.prefetch.map((key) => op.get(key)), failure: [] },
      call,
    );
    options.prefetch.forEach((key, i) =>
      prefetched.set(key, { kv: rangeOf(result.results[i]).kvs[0], revision: result.revision }),
    );
  }
  const attemptsMax = options.attemptsMax ?? 100;
  for (let attempt = 1; attempt <= attemptsMax; attempt++) {
    if (options.signal?.aborted === true) throw abortError(options.signal);
    const run = new StmRun(client, isolation, prefetched, call);
    const result = await apply(run);
    const keys = [...run.reads.keys()];
    // On a conflict the Else branch re-reads what we read: the next run starts from it.
    const committed = await client.commit(
      { compares: run.compares(), success: run.ops(), failure: keys.map((key) => op.get(key)) },
      call,
    );
    if (committed.succeeded) return { result, revision: committed.revision };
    prefetched.clear();
    keys.forEach((key, i) =>
      prefetched.set(key, {
        kv: rangeOf(committed.results[i]).kvs[0],
        revision: committed.revision,
      }),
    );
  }
  throw new StmConflictError(`concord client: STM gave up after ${attemptsMax} conflicting runs`);
}
