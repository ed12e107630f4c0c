import { ConcordError } from '../base/errors.js';
import type {
  AlarmMember,
  AlarmRequest,
  HashKvResult,
  MemberStatus,
  RequestOptions,
  SnapshotReader,
  WithHeader,
} from './api.js';
import type { Member } from './member.js';

const snapshotChunkBytes = 1024 * 1024;

/** The Maintenance service's operations on one member. */
export class Maintenance {
  constructor(private readonly member: Member) {}

  async status(): Promise<MemberStatus> {
    const m = this.member;
    const raft = m.raw.raft;
    return {
      header: m.header(),
      version: m.options.version,
      dbSize: m.stateMachine.backend.sizeBytes(),
      dbSizeInUse: m.stateMachine.backend.sizeInUseBytes(),
      leader: raft.lead,
      raftIndex: raft.log.committed,
      raftTerm: raft.term,
      raftAppliedIndex: m.appliedWait.appliedIndex,
      errors: m.stateMachine.alarms('NONE').map((a) => `memberID:${a.memberId} alarm:${a.alarm} `),
      isLearner: raft.isLearner,
    };
  }

  async hash(options?: RequestOptions): Promise<WithHeader<number>> {
    await this.member.linearizable(options);
    const { hash, revision } = this.member.stateMachine.hash();
    return { header: { ...this.member.header(), revision }, response: hash };
  }

  async hashKv(revision: number, options?: RequestOptions): Promise<WithHeader<HashKvResult>> {
    await this.member.linearizable(options);
    const result = this.member.stateMachine.hashKv(revision);
    return { header: this.member.header(), response: result };
  }

  /** A consistent copy, taken at once (the state machine is synchronous), then streamed. */
  async snapshot(): Promise<SnapshotReader> {
    const bytes = this.member.stateMachine.snapshot();
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += snapshotChunkBytes) {
        yield bytes.subarray(at, at + snapshotChunkBytes);
      }
    }
    return { size: bytes.length, chunks: chunks() };
  }

  /** Hands leadership to `target` and resolves once it leads. */
  async moveLeader(target: bigint, options?: RequestOptions): Promise<void> {
    const raft = this.member.raw.raft;
    if (raft.state !== 'Leader') throw new ConcordError('NotLeader', 'etcdserver: not leader');
    if (!raft.tracker.isVoter(target)) {
      throw new ConcordError('BadLeaderTransferee', 'etcdserver: bad leader transferee');
    }
    if (target === raft.id) return;
    this.member.driver.transferLeader(target);
    const led = await this.leaderIs(target, 2 * this.member.options.electionMs, options);
    if (!led) {
      throw new ConcordError('LeaderTransferTimeout', 'etcdserver: leadership transfer timeout');
    }
  }

  /** Resolves true once `leader` leads (as this member sees it), false after `timeoutMs`. */
  private leaderIs(leader: bigint, timeoutMs: number, options?: RequestOptions): Promise<boolean> {
    const { clock, heartbeatMs } = this.member.options;
    const deadline = clock.now() + timeoutMs;
    return new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (this.member.raw.raft.lead === leader) resolve(true);
        else if (clock.now() >= deadline || options?.signal?.aborted) resolve(false);
        else clock.after(heartbeatMs, check);
      };
      check();
    });
  }

  async alarm(
    request: AlarmRequest,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly AlarmMember[]>> {
    if (request.action === 'GET') {
      await this.member.linearizable(options);
      return {
        header: this.member.header(),
        response: this.member.stateMachine.alarms(request.alarm),
      };
    }
    const { header, response } = await this.member.propose({ type: 'alarm', request }, options);
    if (response.type !== 'alarm')
      throw new ConcordError('InvalidArgument', 'expected an alarm response');
    return { header, response: response.response.alarms };
  }

  /**
   * lmdb reuses freed pages itself and never fragments the way bbolt does, so there is no
   * rewrite to do: the call makes the database durable and succeeds (etcd clients call it
   * after compaction to clear NOSPACE; with lmdb the space is already reusable, and the
   * quota counts the pages in use, which compaction brings down).
   */
  async defragment(): Promise<void> {
    await this.member.stateMachine.backend.sync();
  }
}
