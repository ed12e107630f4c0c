/**
 * A barrier (etcd's contrib/recipes Barrier, Curator's DistributedBarrier): while its key
 * exists, every `wait()` blocks; `release()` deletes the key and lets every waiter through
 * at once. All or none: the waiters all watch the same deletion, so either the barrier is
 * held and nobody passes, or it was released and everybody does.
 *
 * Hold it under a lease (`hold({ lease })`) and it releases itself if its holder dies.
 *
 * @example
 * const barrier = new Barrier(client, 'barriers/deploy');
 * await barrier.hold();                 // the coordinator
 * // ... in each worker:
 * await barrier.wait({ signal: AbortSignal.timeout(60_000) });
 * // ... the coordinator, when ready:
 * await barrier.release();
 */
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import { compare, op } from '../ops.js';
import { waitEvent, waitOrReread } from './barrier-events.js';

export class Barrier {
  constructor(
    private readonly client: Client,
    /** The barrier's key. */
    readonly key: string,
  ) {}

  /**
   * Raises the barrier; false if it was already held (by anyone: a barrier has no owner).
   * With `lease`, the barrier falls when the lease ends.
   */
  async hold(options: CallOptions & { readonly lease?: bigint } = {}): Promise<boolean> {
    const { lease, ...call } = options;
    const result = await this.client
      .txn()
      .if(compare.createRevision(this.key, '=', 0))
      .then(op.put(this.key, '', lease === undefined ? {} : { lease }))
      .commit(call);
    return result.succeeded;
  }

  /** Lowers the barrier: every waiter passes. */
  async release(options: CallOptions = {}): Promise<void> {
    await this.client.delete(this.key, options);
  }

  /** Whether the barrier is up now. */
  async held(options: CallOptions = {}): Promise<boolean> {
    return (await this.client.get(this.key, options)) !== undefined;
  }

  /** Resolves once the barrier is down (at once if it is not held). */
  async wait(options: CallOptions = {}): Promise<void> {
    for (;;) {
      const current = await this.client.range(this.key, { ...options, limit: 1 });
      if (current.kvs.length === 0) return;
      const wait = waitEvent(this.client, this.key, {
        startRevision: current.revision + 1,
        type: 'delete',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (await waitOrReread(wait)) return;
    }
  }
}
