/**
 * A distributed mutex with a fencing token (etcd's concurrency.Mutex algorithm).
 *
 * Each contender puts the key `<prefix>/<lease ID in hex>` under its session's lease; the
 * contender whose key has the lowest create revision holds the lock. A contender waits
 * only for the deletion of its predecessor (the next older key), so an unlock wakes one
 * waiter. The lock key's create revision is the FENCING TOKEN: it grows with every holder,
 * so a resource that remembers the highest token it has seen can refuse a write from a
 * holder that was paused past its lease and has been replaced (Kleppmann's fencing).
 *
 * A lost session loses the lock (its key is deleted with the lease): `lost` resolves, and
 * nothing done under the lock after that is protected, except by the fencing token.
 *
 * @example
 * const session = await Session.create(client, { ttl: 10 });
 * const mutex = new Mutex(session, 'locks/report');
 * const token = await mutex.lock({ signal: AbortSignal.timeout(5000) });
 * try {
 *   await storage.write(data, { fencingToken: token });
 * } finally {
 *   await mutex.unlock();
 * }
 */
import { compare, op, type Compare, type OpResult } from '../ops.js';
import { abortError } from '../errors.js';
import type { CallOptions } from '../connection.js';
import type { Session } from './session.js';
import { untilLost, waitDeletes } from './wait-deletes.js';

export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

export class Mutex {
  private readonly prefix: string;
  private myKey: string | undefined;
  private myRevision = -1;

  constructor(
    readonly session: Session,
    prefix: string,
  ) {
    this.prefix = `${prefix}/`;
  }

  /** Our lock key, while we hold or wait for the lock. */
  get key(): string | undefined {
    return this.myKey;
  }

  /** The fencing token: our key's create revision (-1 when not locked). */
  get fencingToken(): number {
    return this.myRevision;
  }

  /** Resolves when the session, and with it the lock, is lost. */
  get lost(): Promise<Error> {
    return this.session.done;
  }

  /** A Txn compare that holds only while we hold the lock (for writes guarded by it). */
  isOwner(): Compare {
    return compare.createRevision(this.myKey ?? this.keyFor(), '=', this.myRevision);
  }

  /**
   * Waits for the lock and returns the fencing token. Rejects when the signal aborts or
   * `timeoutMs` (the whole wait) passes, giving up our place in the queue, or when the
   * session is lost.
   */
  async lock(options: CallOptions = {}): Promise<number> {
    const owner = await this.enqueue(options);
    if (owner) return this.myRevision;
    const { signal, dispose } = untilLost(this.session.done, options);
    try {
      await waitDeletes(
        this.session.client,
        this.prefix,
        { prefix: true },
        this.myRevision - 1,
        signal,
      );
      // The session may have been lost while we waited: the key must still be ours.
      const kv = await this.session.client.get(this.myKey!, { signal });
      if (kv === undefined || kv.createRevision !== this.myRevision || this.session.isLost) {
        throw new LockLostError(`concord client: lost the lock ${this.prefix} while waiting`);
      }
      return this.myRevision;
    } catch (error) {
      await this.giveUp();
      throw signal.aborted && options.signal?.aborted === true ? abortError(options.signal) : error;
    } finally {
      dispose();
    }
  }

  /** Takes the lock if it is free now; returns the fencing token, or undefined if it is held. */
  async tryLock(options: CallOptions = {}): Promise<number | undefined> {
    if (await this.enqueue(options)) return this.myRevision;
    await this.giveUp(options);
    return undefined;
  }

  /** Releases the lock (deletes our key). */
  async unlock(options: CallOptions = {}): Promise<void> {
    if (this.myKey === undefined) return;
    await this.session.client.delete(this.myKey, options);
    this.myKey = undefined;
    this.myRevision = -1;
  }

  private keyFor(): string {
    return `${this.prefix}${this.session.id.toString(16)}`;
  }

  /** Puts our key if absent; returns whether we are first in line. */
  private async enqueue(options: CallOptions): Promise<boolean> {
    if (this.session.isLost) throw new LockLostError('concord client: the session is lost');
    const key = this.keyFor();
    const first = op.get(this.prefix, {
      prefix: true,
      sort: { target: 'create', order: 'ascend' },
      limit: 1,
    });
    const result = await this.session.client
      .txn()
      .if(compare.createRevision(key, '=', 0))
      .then(op.put(key, '', { lease: this.session.id }), first)
      .else(op.get(key), first)
      .commit(options);
    this.myKey = key;
    // Re-entrant for the same session: an existing key keeps its place (etcd does the same).
    this.myRevision = result.succeeded
      ? result.revision
      : rangeOf(result.results[0]).kvs[0]!.createRevision;
    const owner = rangeOf(result.results[1]).kvs[0];
    return owner === undefined || owner.createRevision === this.myRevision;
  }

  private async giveUp(options: CallOptions = {}): Promise<void> {
    try {
      await this.unlock({ timeoutMs: options.timeoutMs ?? 5_000 });
    } catch {
      // best effort: the lease takes the key with it in the end
    }
    this.myKey = undefined;
    this.myRevision = -1;
  }
}

export function rangeOf(result: OpResult | undefined): Extract<OpResult, { type: 'get' }> {
  if (result?.type !== 'get') throw new Error('concord client: expected a range result');
  return result;
}
