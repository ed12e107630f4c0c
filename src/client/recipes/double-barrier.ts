/**
 * A double barrier (etcd's contrib/recipes DoubleBarrier, Curator's DistributedDoubleBarrier):
 * `count` participants `enter()` and nobody proceeds until all of them have; then each does
 * its work and calls `leave()`, and nobody leaves until all of them have. Participants are
 * keys `<key>/waiters/<session lease>` under their sessions' leases, so a participant that
 * dies is taken out of the count when its lease expires rather than blocking the others
 * forever. One participant per session.
 *
 * Algorithm (etcd's): the entrant that makes the count puts `<key>/ready`, which every
 * waiting entrant is watching for. To leave, a participant deletes its key and waits for the
 * lowest (oldest-modified) one to go; the lowest waits for the highest, so the last one out
 * sees only itself, deletes `ready` and goes; everyone then sees an empty set.
 *
 * @example
 * const barrier = new DoubleBarrier(session, 'barriers/phase', 3);
 * await barrier.enter();   // returns when 3 have entered
 * await compute();
 * await barrier.leave();   // returns when all 3 have left
 */
import type { CallOptions } from '../connection.js';
import type { KeyValue } from '../key-value.js';
import { compare, op } from '../ops.js';
import { waitEvent, waitOrReread } from './barrier-events.js';
import type { Session } from './session.js';

export class TooManyParticipantsError extends Error {
  override readonly name = 'TooManyParticipantsError';
}

export class DoubleBarrier {
  private readonly waiters: string;
  private readonly ready: string;
  private readonly myKey: string;

  constructor(
    readonly session: Session,
    readonly key: string,
    /** How many participants make the barrier. */
    readonly count: number,
  ) {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`double barrier count must be a positive integer, got ${count}`);
    }
    this.waiters = `${key}/waiters/`;
    this.ready = `${key}/ready`;
    this.myKey = `${this.waiters}${session.id.toString(16)}`;
  }

  /** Resolves once `count` participants have entered. TooManyParticipantsError if full. */
  async enter(options: CallOptions = {}): Promise<void> {
    const client = this.session.client;
    const before = await client.range(this.waiters, { prefix: true, countOnly: true, ...options });
    if (before.count >= this.count) throw new TooManyParticipantsError(this.full());
    const put = await client.put(this.myKey, '', { lease: this.session.id, ...options });
    const after = await client.range(this.waiters, { prefix: true, countOnly: true, ...options });
    if (after.count > this.count) {
      await client.delete(this.myKey, options);
      throw new TooManyParticipantsError(this.full());
    }
    if (after.count === this.count) {
      await client.put(this.ready, '', options);
      return;
    }
    for (let from = put.revision + 1; ;) {
      const current = await client.range(this.ready, { ...options, limit: 1 });
      if (current.kvs.length > 0) return;
      const wait = waitEvent(client, this.ready, {
        startRevision: from,
        type: 'put',
        ...signal(options),
      });
      if (await waitOrReread(wait)) return;
      from = current.revision + 1;
    }
  }

  /** Resolves once every participant has left. */
  async leave(options: CallOptions = {}): Promise<void> {
    const client = this.session.client;
    for (;;) {
      const { kvs } = await client.range(this.waiters, { prefix: true, ...options });
      if (kvs.length === 0) return;
      const lowest = pick(kvs, (a, b) => a.modRevision < b.modRevision);
      const highest = pick(kvs, (a, b) => a.modRevision > b.modRevision);
      const isLowest = lowest.key.toString() === this.myKey;
      if (kvs.length === 1 && isLowest) {
        // The last one out: take down `ready` with our own key.
        await client.txn().then(op.delete(this.ready), op.delete(this.myKey)).commit(options);
        return;
      }
      // The lowest waits for the highest; everyone else leaves and waits for the lowest.
      const target = isLowest ? highest : lowest;
      if (!isLowest) {
        await client
          .txn()
          .if(compare.createRevision(this.myKey, '>', 0))
          .then(op.delete(this.myKey))
          .commit(options);
      }
      await waitOrReread(
        waitEvent(client, target.key, {
          startRevision: target.modRevision + 1,
          type: 'delete',
          ...signal(options),
        }),
      );
    }
  }

  private full(): string {
    return `double barrier ${this.key}: already ${this.count} participants`;
  }
}

function pick(kvs: readonly KeyValue[], better: (a: KeyValue, b: KeyValue) => boolean): KeyValue {
  let best = kvs[0] as KeyValue;
  for (const kv of kvs) if (better(kv, best)) best = kv;
  return best;
}

function signal(options: CallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}
