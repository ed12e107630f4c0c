/**
 * A session: one lease, kept alive for as long as the session is open. Everything ephemeral
 * an application holds (lock keys, election candidacies, registry entries) hangs off it, so
 * all of it goes when the process dies (the lease expires) or closes the session (revoke).
 * The session is "lost" when its lease is (see Lease): whatever hung off it must be treated
 * as gone, and the recipes built on it report so.
 *
 * @example
 * const session = await Session.create(client, { ttl: 10 });
 * session.on('lost', () => process.exit(1)); // our locks may be someone else's now
 * // ... new Mutex(session, 'locks/job'), new Election(session, 'elections/leader')
 * await session.close();
 */
import { EventEmitter } from 'node:events';
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import type { LeaseLostError } from '../errors.js';
import type { Lease } from '../lease.js';

export interface SessionOptions extends CallOptions {
  /** The lease's TTL in seconds (default 60, as etcd's concurrency.Session). */
  readonly ttl?: number;
  /** Use this existing lease instead of granting one (it is kept alive, and revoked by close). */
  readonly lease?: Lease;
}

export class Session extends EventEmitter<{ lost: [LeaseLostError] }> {
  private closedFlag = false;

  private constructor(
    readonly client: Client,
    readonly lease: Lease,
  ) {
    super();
    lease.on('lost', (error) => {
      if (!this.closedFlag && this.listenerCount('lost') > 0) this.emit('lost', error);
    });
  }

  static async create(client: Client, options: SessionOptions = {}): Promise<Session> {
    const lease = options.lease ?? (await client.grant(options.ttl ?? 60, options));
    return new Session(client, lease);
  }

  /** The lease ID: the identity of this session's keys. */
  get id(): bigint {
    return this.lease.id;
  }

  /** Resolves when the session is lost (never, if it is closed first). */
  get done(): Promise<LeaseLostError> {
    return this.lease.lost;
  }

  get isLost(): boolean {
    return this.lease.isLost;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Ends the session: revokes the lease, deleting every key attached to it. */
  async close(options: CallOptions = {}): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    await this.lease.revoke(options);
  }
}
