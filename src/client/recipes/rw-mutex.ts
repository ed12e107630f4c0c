/**
 * A read-write lock (etcd's recipes.RWMutex): many readers or one writer. Contenders put
 * unique keys `<prefix>/read/...` or `<prefix>/write/...` under their session's lease,
 * ordered by create revision. A reader waits for every OLDER writer to go; a writer waits
 * for every older key, reader or writer. So writers are not starved: a reader that comes
 * after a waiting writer queues behind it. Each key's create revision is its holder's
 * fencing token, as with Mutex; a lost session loses the lock.
 *
 * @example
 * const rw = new RWMutex(session, 'locks/catalog');
 * await rw.readLock();
 * try { ... read ... } finally { await rw.unlock(); }
 */
import { randomBytes } from 'node:crypto';
import type { CallOptions } from '../connection.js';
import { abortError } from '../errors.js';
import { compare, op } from '../ops.js';
import { LockLostError } from './mutex.js';
import type { Session } from './session.js';
import { untilLost, waitDeletes } from './wait-deletes.js';

export class RWMutex {
  private myKey: string | undefined;
  private myRevision = -1;

  constructor(
    readonly session: Session,
    readonly prefix: string,
  ) {}

  /** The fencing token of the lock held (-1 when none). */
  get fencingToken(): number {
    return this.myRevision;
  }

  /**
   * Shared: waits for older writers. Returns the fencing token. `timeoutMs` bounds the whole
   * wait; on abort, timeout or a lost session our place in the queue is given up.
   */
  readLock(options: CallOptions = {}): Promise<number> {
    return this.acquire('read', `${this.prefix}/write/`, options);
  }

  /** Exclusive: waits for every older reader and writer. Returns the fencing token. */
  writeLock(options: CallOptions = {}): Promise<number> {
    return this.acquire('write', `${this.prefix}/`, options);
  }

  async unlock(options: CallOptions = {}): Promise<void> {
    if (this.myKey === undefined) return;
    await this.session.client.delete(this.myKey, options);
    this.myKey = undefined;
    this.myRevision = -1;
  }

  private async acquire(
    kind: 'read' | 'write',
    waitOn: string,
    options: CallOptions,
  ): Promise<number> {
    if (this.myKey !== undefined) throw new Error(`concord client: ${this.prefix} is already held`);
    if (this.session.isLost) throw new LockLostError('concord client: the session is lost');
    const key = `${this.prefix}/${kind}/${this.session.id.toString(16)}-${randomBytes(4).toString('hex')}`;
    const created = await this.session.client
      .txn()
      .if(compare.createRevision(key, '=', 0))
      .then(op.put(key, '', { lease: this.session.id }))
      .commit(options);
    if (!created.succeeded) throw new Error(`concord client: lock key ${key} exists`);
    this.myKey = key;
    this.myRevision = created.revision;
    const { signal, dispose } = untilLost(this.session.done, options);
    try {
      await waitDeletes(this.session.client, waitOn, { prefix: true }, this.myRevision - 1, signal);
      const kv = await this.session.client.get(key, { signal });
      if (kv === undefined || this.session.isLost) {
        throw new LockLostError(
          `concord client: lost the ${kind} lock ${this.prefix} while waiting`,
        );
      }
      return this.myRevision;
    } catch (error) {
      await this.unlock({ timeoutMs: 5_000 }).catch(() => undefined);
      this.myKey = undefined;
      this.myRevision = -1;
      throw options.signal?.aborted === true ? abortError(options.signal) : error;
    } finally {
      dispose();
    }
  }
}
