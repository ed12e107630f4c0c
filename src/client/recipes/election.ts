/**
 * Leader election (etcd's concurrency.Election algorithm). Candidates put
 * `<prefix>/<lease ID in hex>` under their session's lease; the candidate with the oldest key
 * (lowest create revision) leads, and its key's value is what it proclaims. A candidate
 * waits for its predecessor's key to go, as Mutex does.
 *
 * `isLeader()` FAILS CLOSED: it returns true only when a linearizable Txn confirms that our
 * key still exists with the create revision we won with, and our session is not lost. A
 * leader that was paused, partitioned or lost its lease gets false (or an error counted as
 * false), never a stale true.
 *
 * @example
 * const election = new Election(session, 'elections/scheduler');
 * await election.campaign('node-a');           // resolves once we lead
 * for await (const leader of election.observe()) console.log(leader?.value.toString());
 * if (await election.isLeader()) { ... act as leader ... }
 * await election.resign();
 */
import type { CallOptions } from '../connection.js';
import { abortError, ClosedError, CompactedError } from '../errors.js';
import type { KeyValue } from '../key-value.js';
import { compare, op } from '../ops.js';
import { rangeOf } from './mutex.js';
import type { Session } from './session.js';
import { untilLost, waitDeletes } from './wait-deletes.js';

export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
}

export class Election {
  private readonly prefix: string;
  private myKey: string | undefined;
  private myRevision = -1;

  constructor(
    readonly session: Session,
    prefix: string,
  ) {
    this.prefix = `${prefix}/`;
  }

  /** Our candidacy key (while campaigning or leading). */
  get key(): string | undefined {
    return this.myKey;
  }

  /** The create revision of our key: this leadership's term, usable as a fencing token. */
  get revision(): number {
    return this.myRevision;
  }

  /**
   * Runs for leader with `value`; resolves once we lead. Rejects when the signal aborts or
   * `timeoutMs` (the whole wait) passes, withdrawing the candidacy, or when the session is
   * lost.
   */
  async campaign(value: string, options: CallOptions = {}): Promise<void> {
    const client = this.session.client;
    const key = `${this.prefix}${this.session.id.toString(16)}`;
    const result = await client
      .txn()
      .if(compare.createRevision(key, '=', 0))
      .then(op.put(key, value, { lease: this.session.id }))
      .else(op.get(key))
      .commit(options);
    this.myKey = key;
    if (result.succeeded) {
      this.myRevision = result.revision;
    } else {
      const existing = rangeOf(result.results[0]).kvs[0]!;
      this.myRevision = existing.createRevision;
      if (existing.value.toString() !== value) await this.proclaim(value, options);
    }
    const { signal, dispose } = untilLost(this.session.done, options);
    try {
      await waitDeletes(client, this.prefix, { prefix: true }, this.myRevision - 1, signal);
      if (!(await this.isLeader({ signal }))) {
        throw new NotLeaderError(`concord client: lost the candidacy ${key} while waiting`);
      }
    } catch (error) {
      await this.resign({ timeoutMs: 5_000 }).catch(() => undefined);
      throw options.signal?.aborted === true ? abortError(options.signal) : error;
    } finally {
      dispose();
    }
  }

  /** Changes the value we proclaim, only while we still lead (NotLeaderError otherwise). */
  async proclaim(value: string, options: CallOptions = {}): Promise<void> {
    if (this.myKey === undefined) throw new NotLeaderError('concord client: not campaigning');
    const result = await this.session.client
      .txn()
      .if(compare.createRevision(this.myKey, '=', this.myRevision))
      .then(op.put(this.myKey, value, { lease: this.session.id }))
      .commit(options);
    if (!result.succeeded) {
      this.myKey = undefined;
      this.myRevision = -1;
      throw new NotLeaderError('concord client: our election key is gone');
    }
  }

  /** Steps down (deletes our key, if it is still ours). */
  async resign(options: CallOptions = {}): Promise<void> {
    if (this.myKey === undefined) return;
    await this.session.client
      .txn()
      .if(compare.createRevision(this.myKey, '=', this.myRevision))
      .then(op.delete(this.myKey))
      .commit(options);
    this.myKey = undefined;
    this.myRevision = -1;
  }

  /** Whether we lead now; false on any doubt (see the file comment). */
  async isLeader(options: CallOptions = {}): Promise<boolean> {
    const key = this.myKey;
    if (key === undefined || this.session.isLost) return false;
    try {
      const result = await this.session.client
        .txn()
        .if(compare.createRevision(key, '=', this.myRevision))
        .then(
          op.get(this.prefix, {
            prefix: true,
            sort: { target: 'create', order: 'ascend' },
            limit: 1,
          }),
        )
        .commit(options);
      const first = result.succeeded ? rangeOf(result.results[0]).kvs[0] : undefined;
      return first?.createRevision === this.myRevision && !this.session.isLost;
    } catch {
      return false;
    }
  }

  /** The current leader's key and value, or undefined when there is none. */
  async leader(options: CallOptions = {}): Promise<KeyValue | undefined> {
    const result = await this.session.client.range(this.prefix, {
      prefix: true,
      sort: { target: 'create', order: 'ascend' },
      limit: 1,
      ...options,
    });
    return result.kvs[0];
  }

  /**
   * The leader, now and at every change (a new leader, or a new proclaimed value), until
   * the signal aborts. Consecutive values may skip changes that happened quickly, never
   * report an old leader after a newer one.
   */
  async *observe(options: { signal?: AbortSignal } = {}): AsyncGenerator<KeyValue> {
    const client = this.session.client;
    const signal = options.signal;
    while (signal?.aborted !== true) {
      const first = await client.range(this.prefix, {
        prefix: true,
        sort: { target: 'create', order: 'ascend' },
        limit: 1,
        signal,
      });
      let leader = first.kvs[0];
      let from = first.revision + 1;
      if (leader === undefined) {
        // Nobody leads: the first candidacy put from here on does.
        const put = await this.firstPut(from, signal);
        if (put === undefined) return;
        leader = put;
        from = put.modRevision + 1;
      }
      yield leader;
      // Follow the leader's key until it is deleted.
      const watcher = client.watch(leader.key, { startRevision: from, signal });
      try {
        let gone = false;
        for await (const batch of watcher) {
          for (const event of batch.events) {
            if (event.type === 'delete') gone = true;
            else if (!gone) yield event.kv;
          }
          if (gone) break;
        }
      } catch (error) {
        if (!(error instanceof CompactedError)) throw error;
      } finally {
        await watcher.close();
      }
    }
  }

  private async firstPut(
    from: number,
    signal: AbortSignal | undefined,
  ): Promise<KeyValue | undefined> {
    const watcher = this.session.client.watch(this.prefix, {
      prefix: true,
      startRevision: from,
      signal,
    });
    try {
      for await (const batch of watcher) {
        const put = batch.events.find((e) => e.type === 'put');
        if (put !== undefined) return put.kv;
      }
      if (signal?.aborted === true) return undefined;
      throw new ClosedError();
    } finally {
      await watcher.close();
    }
  }
}
