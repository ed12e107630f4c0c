/**
 * A counting semaphore (Curator's InterProcessSemaphoreV2): at most `permits` holders at a
 * time, admitted in arrival order, each permit tied to its holder's session lease.
 *
 * Each acquirer puts a unique key under `<name>/` with its session's lease; the keys with the
 * `permits` lowest create revisions hold the permits. Why it never over-admits: a holder saw
 * fewer than `permits` keys created before its own; keys created later never count against
 * it, and keys ahead only disappear, so it stays among the first `permits` for as long as its
 * key exists. At every revision the holders are therefore a subset of the first `permits`
 * keys. A holder whose process dies keeps its permit until its lease expires, then the next
 * waiter gets it; a holder whose session is lost must stop (Permit.lost).
 *
 * Every user of one semaphore must agree on `permits`.
 *
 * @example
 * const session = await Session.create(client, { ttl: 10 });
 * const pool = new Semaphore(session, 'semaphores/db-connections', 3);
 * const permit = await pool.acquire({ signal: AbortSignal.timeout(10_000) });
 * try {
 *   await query(); // at most 3 processes are here at once
 * } finally {
 *   await permit.release();
 * }
 */
import { randomBytes } from 'node:crypto';
import type { CallOptions } from '../connection.js';
import { abortError } from '../errors.js';
import { op } from '../ops.js';
import { waitEvent, waitOrReread } from './barrier-events.js';
import type { Session } from './session.js';
import { semaphoreSignal } from './semaphore-signal.js';

/** The session ended while waiting for a permit (its key went with the lease). */
export class PermitLostError extends Error {
  override readonly name = 'PermitLostError';
}

/** One permit held. */
export interface Permit {
  /** The permit's key. */
  readonly key: string;
  /**
   * The key's create revision: grows with every acquisition, so it can serve as a fencing
   * token for what the permit protects.
   */
  readonly revision: number;
  /** The revision at which the permit was known held (the admitting read). */
  readonly admittedAt: number;
  /** Resolves if the session, and with it the permit, is lost. */
  readonly lost: Promise<Error>;
  /** Gives the permit back; resolves the revision at which it was given back. */
  release(options?: CallOptions): Promise<number>;
}

export class Semaphore {
  private readonly dir: string;

  constructor(
    readonly session: Session,
    readonly name: string,
    /** How many holders at once. */
    readonly permits: number,
  ) {
    if (!Number.isSafeInteger(permits) || permits < 1) {
      throw new RangeError(`semaphore permits must be a positive integer, got ${permits}`);
    }
    this.dir = `${name}/`;
  }

  /** Waits for a permit (in arrival order). Aborting withdraws the request. */
  async acquire(options: CallOptions = {}): Promise<Permit> {
    return (await this.request(options, true)) as Permit;
  }

  /** A permit if one is free now, else undefined. */
  async tryAcquire(options: CallOptions = {}): Promise<Permit | undefined> {
    return this.request(options, false);
  }

  /** How many keys (holders and waiters) there are. */
  async size(options: CallOptions = {}): Promise<number> {
    const client = this.session.client;
    return (await client.range(this.dir, { prefix: true, countOnly: true, ...options })).count;
  }

  private async request(options: CallOptions, wait: boolean): Promise<Permit | undefined> {
    const client = this.session.client;
    const key = `${this.dir}${this.session.id.toString(16)}-${randomBytes(6).toString('hex')}`;
    const { signal, dispose } = semaphoreSignal(this.session, options.signal);
    const call = { ...options, signal };
    try {
      const put = await client.put(key, '', { lease: this.session.id, ...call });
      for (;;) {
        // The first `permits` keys by create revision hold the permits: are we among them?
        // (A range's count ignores the create-revision filters, as etcd's does: hence a
        // sorted, limited read rather than a count.)
        const state = await client
          .txn()
          .then(
            op.get(this.dir, {
              prefix: true,
              keysOnly: true,
              sort: { target: 'create', order: 'ascend' },
              limit: this.permits,
            }),
            op.get(key, { keysOnly: true }),
          )
          .commit(call);
        const [first, mine] = state.results;
        if (first?.type !== 'get' || mine?.type !== 'get') throw new Error('unreachable');
        if (mine.kvs.length === 0)
          throw new PermitLostError(`semaphore ${this.name}: session lost`);
        if (first.kvs.some((kv) => kv.key.toString() === key)) {
          return this.permit(key, put.revision, state.revision);
        }
        if (!wait) {
          await client.delete(key, options);
          return undefined;
        }
        // Someone ahead must leave first: wait for any deletion after our read, then count again.
        await waitOrReread(
          waitEvent(client, this.dir, {
            prefix: true,
            startRevision: state.revision + 1,
            type: 'delete',
            signal,
          }),
        );
      }
    } catch (error) {
      // Withdraw, so a permit is never granted to a caller that is gone (not on `signal`).
      await client.delete(key).catch(() => undefined);
      if (signal.aborted && !(error instanceof PermitLostError)) throw abortError(signal);
      throw error;
    } finally {
      dispose();
    }
  }

  private permit(key: string, revision: number, admittedAt: number): Permit {
    const client = this.session.client;
    return {
      key,
      revision,
      admittedAt,
      lost: this.session.done,
      release: async (options: CallOptions = {}) => (await client.delete(key, options)).revision,
    };
  }
}
