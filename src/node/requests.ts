import { ConcordError, isConcordError } from '../base/errors.js';
import { encodeRequest } from '../mvcc/request-codec.js';
import type { StateMachineRequest, StateMachineResponse } from '../mvcc/types.js';
import type { RequestOptions, ResponseHeader } from './api.js';
import { withDeadline, type GiveUpReason } from './deadline.js';
import type { Member } from './member.js';

/**
 * The request path every write and linearizable read takes on one member: a write is proposed
 * to Raft and waited on until applied, a read waits for a ReadIndex round, both bounded by the
 * request timeout and the client's cancellation, and both fail with etcd's words.
 */
export class Requests {
  /** Leader changes seen (for etcd's "possibly due to previous leader failure"). */
  private leaderChanges = 0;

  constructor(private readonly member: Member) {}

  /** Called on every change of leader, known or lost. */
  leaderChanged(): void {
    this.leaderChanges++;
  }

  /** Proposes a request and waits for it to be applied (or fail). */
  async propose(
    request: StateMachineRequest,
    options?: RequestOptions,
  ): Promise<{ header: ResponseHeader; response: StateMachineResponse }> {
    const m = this.member;
    if (m.isClosed) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    const id = m.ids.next();
    const data = encodeRequest({ id, identity: options?.identity, auth: options?.auth, request });
    const outcome = m.waiters.register(id);
    try {
      m.driver.propose(data, () => m.waiters.has(id));
    } catch (error) {
      m.counters.proposalsFailed++;
      m.waiters.reject(id, asConcordError(error));
    }
    const leaderChanges = this.leaderChanges;
    const applied = await this.withTimeout(outcome, options, (reason) => {
      m.counters.proposalsFailed++;
      const error =
        reason === 'canceled'
          ? new ConcordError('Canceled', 'etcdserver: request canceled')
          : this.timeoutError(leaderChanges);
      // Without a waiter the proposal is withdrawn if it has not reached Raft yet (the driver
      // checks before proposing), so a write its client saw fail is not applied later.
      m.waiters.reject(id, error);
      return error;
    });
    return {
      header: { ...m.header(), revision: applied.revision },
      response: applied.response,
    };
  }

  /** Waits until every write acknowledged before now is applied here (ReadIndex). */
  async linearizable(options?: RequestOptions): Promise<void> {
    if (this.member.isClosed) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    const leaderChanges = this.leaderChanges;
    await this.withTimeout(this.member.reads.barrier(), options, (reason) =>
      reason === 'canceled'
        ? new ConcordError('Canceled', 'etcdserver: request canceled')
        : this.timeoutError(leaderChanges),
    );
  }

  /**
   * What a request that ran out of time tells its client (etcd's words): if the leader
   * changed meanwhile, the proposal was probably lost with it, and a retry is the remedy.
   */
  private timeoutError(leaderChangesAtStart: number): ConcordError {
    if (this.leaderChanges !== leaderChangesAtStart) {
      return new ConcordError(
        'TimeoutDueToLeaderFail',
        'etcdserver: request timed out, possibly due to previous leader failure',
      );
    }
    return new ConcordError('Timeout', 'etcdserver: request timed out');
  }

  private withTimeout<T>(
    promise: Promise<T>,
    options: RequestOptions | undefined,
    onGiveUp: (reason: GiveUpReason) => ConcordError,
  ): Promise<T> {
    return withDeadline(
      promise,
      this.member.options.clock,
      this.member.requestTimeoutMs,
      options?.signal,
      onGiveUp,
    );
  }
}

function asConcordError(error: unknown): ConcordError {
  if (isConcordError(error)) return error;
  throw error;
}
