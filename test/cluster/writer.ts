/**
 * A background writer for cluster tests: concurrent loops that each put unique keys through
 * the members in turn (followers forward to the leader), never retrying, and record what the
 * client saw: acknowledged (with the revision the header gave) or failed (with the message).
 * A key is written once by the client, so the store must hold it at version 1: a version of 2
 * would mean one request was applied twice.
 */
import type { Etcd3 } from 'etcd3';
import { waitFor } from '../helpers/wait.js';

export interface Acked {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
  readonly at: number;
}

export interface Failed {
  readonly key: string;
  readonly message: string;
  readonly at: number;
}

export class Writer {
  readonly acked: Acked[] = [];
  readonly failed: Failed[] = [];
  readonly attempted = new Set<string>();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly listeners = new Set<() => void>();

  /**
   * @param clients one client per member; loop `i`'s `n`th write goes to clients[(i+n) % len].
   * @param prefix every key starts with it.
   */
  constructor(
    private readonly clients: readonly Etcd3[],
    readonly prefix: string,
    private readonly options: { loops?: number; deadlineMs?: number } = {},
  ) {}

  start(): this {
    for (let i = 0; i < (this.options.loops ?? 4); i++) this.loops.push(this.loop(i));
    return this;
  }

  /** Resolves once `count` more writes are acknowledged than now. */
  moreAcked(count: number, timeoutMs: number): Promise<void> {
    const target = this.acked.length + count;
    return waitFor<void>(
      `${count} more acknowledged writes under ${this.prefix} (have ${this.acked.length})`,
      (done) => {
        const check = (): void => {
          if (this.acked.length < target) return;
          this.listeners.delete(check);
          done();
        };
        this.listeners.add(check);
      },
      timeoutMs,
    );
  }

  /** Stops the loops and waits for every request in flight to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** The longest stretch between two acknowledgements, from `since` on. */
  longestGapMs(since: number): number {
    const times = this.acked.map((a) => a.at).filter((t) => t >= since);
    times.sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < times.length; i++)
      gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
    return gap;
  }

  private async loop(index: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const key = `${this.prefix}${index}-${n}`;
      const value = `v${index}-${n}`;
      const client = this.clients[(index + n) % this.clients.length] as Etcd3;
      this.attempted.add(key);
      try {
        const response = await client
          .put(key)
          .value(value)
          .options({ deadline: Date.now() + (this.options.deadlineMs ?? 10_000) })
          .exec();
        this.acked.push({ key, value, revision: Number(response.header.revision), at: Date.now() });
        for (const listener of [...this.listeners]) listener();
      } catch (error) {
        this.failed.push({
          key,
          message: error instanceof Error ? error.message : String(error),
          at: Date.now(),
        });
        // A member that is down refuses at once: do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}

/**
 * Errors a client may see while a leader fails over or a member is down: each says "try
 * again" (no leader, leader changed, timed out, unreachable), none says the write was wrong.
 */
export const retryable =
  /no leader|leader changed|request timed out|not leader|server stopped|too many requests|UNAVAILABLE|DEADLINE_EXCEEDED|No connection established|ECONNREFUSED|ECONNRESET|Connection dropped/i;
