/**
 * A distributed priority queue (etcd's contrib/recipes PriorityQueue): items are keys
 * `<name>/<priority, 5 digits>/<sequence, 20 digits>`, so key order is priority order
 * (0 first) and, within one priority, enqueue order. Dequeue claims the first key with the
 * same compare-and-delete Txn as Queue (./queue-claim.ts): each item goes to exactly one
 * consumer.
 *
 * @example
 * const tasks = new PriorityQueue(client, 'queues/tasks');
 * await tasks.enqueue('reindex', 10);
 * await tasks.enqueue('page the on-call', 0);
 * (await tasks.dequeue()).toString(); // 'page the on-call'
 */
import type { Bytes } from '../bytes.js';
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import { compare, op } from '../ops.js';
import { claimHead } from './queue-claim.js';

const keyOrder = { target: 'key', order: 'ascend' } as const;
/** etcd's recipe takes a uint16 priority. */
const priorityMax = 0xffff;

export class PriorityQueue {
  private readonly dir: string;

  constructor(
    private readonly client: Client,
    /** The queue's name: its items live under `<name>/`. */
    readonly name: string,
  ) {
    this.dir = `${name}/`;
  }

  /** Adds an item with `priority` (0 is served first, up to 65535). */
  async enqueue(value: Bytes, priority: number, options: CallOptions = {}): Promise<string> {
    if (!Number.isSafeInteger(priority) || priority < 0 || priority > priorityMax) {
      throw new RangeError(`priority must be an integer in [0, ${priorityMax}], got ${priority}`);
    }
    const level = `${this.dir}${priority.toString().padStart(5, '0')}/`;
    // A sequential key (etcd's newSequentialKV): one past the level's last, created only if
    // nobody took that number first.
    for (;;) {
      const last = await this.client.range(level, {
        prefix: true,
        sort: { target: 'key', order: 'descend' },
        limit: 1,
        keysOnly: true,
        ...options,
      });
      const lastKey = last.kvs[0]?.key.toString();
      const next = lastKey === undefined ? 0n : BigInt(lastKey.slice(level.length)) + 1n;
      const key = `${level}${next.toString().padStart(20, '0')}`;
      const created = await this.client
        .txn()
        .if(compare.createRevision(key, '=', 0))
        .then(op.put(key, value))
        .commit(options);
      if (created.succeeded) return key;
    }
  }

  /** Removes and returns the most urgent item, waiting for one if the queue is empty. */
  async dequeue(options: CallOptions = {}): Promise<Buffer> {
    const kv = await claimHead(this.client, this.dir, keyOrder, { ...options, wait: true });
    return (kv as NonNullable<typeof kv>).value;
  }

  /** Removes and returns the most urgent item, or undefined if the queue is empty. */
  async tryDequeue(options: CallOptions = {}): Promise<Buffer | undefined> {
    return (await claimHead(this.client, this.dir, keyOrder, { ...options, wait: false }))?.value;
  }

  /** How many items wait. */
  async size(options: CallOptions = {}): Promise<number> {
    return (await this.client.range(this.dir, { prefix: true, countOnly: true, ...options })).count;
  }
}
