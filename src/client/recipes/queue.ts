/**
 * A distributed FIFO queue (etcd's contrib/recipes Queue, Curator's DistributedQueue): items
 * are keys under `<name>/`, in create-revision order (the cluster's one global order, so
 * FIFO across every producer). Each item is delivered to exactly one consumer: dequeue
 * deletes the head in a Txn that succeeds only if the head is unchanged since it was read
 * (./queue-claim.ts), and only the consumer whose delete succeeded returns it.
 *
 * Delivery is at most once: a consumer that dies after its dequeue returned loses the item.
 * (For at-least-once, move the item to a per-consumer key under a lease instead of deleting
 * it, as a task queue does.)
 *
 * @example
 * const queue = new Queue(client, 'queues/jobs');
 * await queue.enqueue(JSON.stringify({ file: 'a.txt' }));
 * // ... in each worker:
 * const job = await queue.dequeue({ signal: AbortSignal.timeout(30_000) }); // waits if empty
 * console.log(JSON.parse(job.toString()));
 */
import { randomBytes } from 'node:crypto';
import type { Bytes } from '../bytes.js';
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import { compare, op } from '../ops.js';
import { claimHead } from './queue-claim.js';

const createOrder = { target: 'create', order: 'ascend' } as const;

export class Queue {
  private readonly dir: string;

  constructor(
    private readonly client: Client,
    /** The queue's name: its items live under `<name>/`. */
    readonly name: string,
  ) {
    this.dir = `${name}/`;
  }

  /** Appends an item; resolves its key. */
  async enqueue(value: Bytes, options: CallOptions = {}): Promise<string> {
    for (;;) {
      // The key only has to be unique: the order is the create revision.
      const key = `${this.dir}${Date.now().toString().padStart(16, '0')}-${randomBytes(6).toString('hex')}`;
      const created = await this.client
        .txn()
        .if(compare.createRevision(key, '=', 0))
        .then(op.put(key, value))
        .commit(options);
      if (created.succeeded) return key;
    }
  }

  /** Removes and returns the oldest item, waiting for one if the queue is empty. */
  async dequeue(options: CallOptions = {}): Promise<Buffer> {
    const kv = await claimHead(this.client, this.dir, createOrder, { ...options, wait: true });
    return (kv as NonNullable<typeof kv>).value;
  }

  /** Removes and returns the oldest item, or undefined at once if the queue is empty. */
  async tryDequeue(options: CallOptions = {}): Promise<Buffer | undefined> {
    return (await claimHead(this.client, this.dir, createOrder, { ...options, wait: false }))
      ?.value;
  }

  /** How many items wait. */
  async size(options: CallOptions = {}): Promise<number> {
    return (await this.client.range(this.dir, { prefix: true, countOnly: true, ...options })).count;
  }
}
