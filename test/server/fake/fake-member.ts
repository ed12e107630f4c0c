/**
 * An in-memory ConcordApi for the server tests, until the real member lands: one store, one
 * watch hub, a fixed header whose IDs sit at the uint64 extremes (so every response proves
 * the 64-bit path), and `failNext` to make the next call of a method reject with a given code.
 */
import { ConcordError } from '../../../src/base/errors.js';
import type { ErrorCode } from '../../../src/base/errors.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  TxnRequest,
} from '../../../src/mvcc/types.js';
import type {
  AlarmMember,
  AlarmRequest,
  ClusterMember,
  ConcordApi,
  HashKvResult,
  MemberAddResult,
  MemberStatus,
  RequestOptions,
  CancelSignal,
  ResponseHeader,
  WatchCreate,
  WatchHandle,
  WatchSink,
  WithHeader,
} from '../../../src/node/api.js';
import { AuthStore, type AuthStoreView } from '../../../src/mvcc/auth/auth-store.js';
import type { AuthResponse } from '../../../src/mvcc/auth/types.js';
import { FakeCluster } from './fake-cluster.js';
import { FakeMaintenance } from './fake-maintenance.js';
import { FakeStore } from './fake-store.js';
import { FakeWatchHub } from './fake-watch.js';

export const fakeClusterId = 2n ** 64n - 1n;
export const fakeMemberId = 2n ** 63n + 5n;
export const fakeRaftTerm = 7;

type Method =
  | 'range'
  | 'put'
  | 'deleteRange'
  | 'txn'
  | 'compact'
  | 'leaseGrant'
  | 'leaseKeepAlive'
  | 'memberList'
  | 'memberAdd'
  | 'memberRemove'
  | 'hash'
  | 'snapshot'
  | 'alarm'
  | 'defragment';

/** The fake's own entry in the member list; the harness adds its client URL. */
export const fakeSelf: ClusterMember = {
  id: fakeMemberId,
  name: 'fake',
  peerUrls: ['http://127.0.0.1:2380'],
  clientUrls: [],
  isLearner: false,
};

export class FakeMember implements ConcordApi {
  readonly store = new FakeStore();
  readonly hub = new FakeWatchHub(this.store);
  readonly cluster = new FakeCluster(fakeSelf);
  readonly maintenance = new FakeMaintenance();
  leader = fakeMemberId;
  /** What status() reports as the member's version. */
  version = '3.6.0';
  /** When set, linearizable reads (and so /health) hang until aborted, as with no quorum. */
  stalled = false;
  /** When set, puts hang until aborted, as a write waits for a quorum that is not there. */
  stallWrites = false;
  /** When cleared, every renewal takes leaseKeepAlive's path, as on a follower. */
  renewsNow = true;
  /** Stalled calls waiting now, and those their clients cancelled. */
  readonly stalls = { waiting: 0, canceled: 0 };
  private readonly failures = new Map<Method, ErrorCode>();
  private readonly authState = new AuthStore();

  /** Hangs until the client cancels (then rejects as the member would). */
  private stall(signal: CancelSignal | undefined): Promise<never> {
    this.stalls.waiting++;
    return new Promise((_resolve, reject) => {
      const onAbort = {
        handleEvent: () => {
          this.stalls.waiting--;
          this.stalls.canceled++;
          reject(new ConcordError('Canceled'));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The next call of `method` rejects with `code`. */
  failNext(method: Method, code: ErrorCode): void {
    this.failures.set(method, code);
  }

  header(): ResponseHeader {
    return {
      clusterId: fakeClusterId,
      memberId: fakeMemberId,
      revision: this.store.revision,
      raftTerm: fakeRaftTerm,
    };
  }

  async range(request: RangeRequest, options?: RequestOptions) {
    if (this.stalled && request.serializable !== true) await this.stall(options?.signal);
    return this.answer('range', () => this.store.range(request));
  }

  async put(request: PutRequest, options?: RequestOptions) {
    if (this.stallWrites) await this.stall(options?.signal);
    return this.answer('put', () => this.store.put(request));
  }

  deleteRange(request: DeleteRangeRequest) {
    return this.answer('deleteRange', () => this.store.deleteRange(request));
  }

  txn(request: TxnRequest) {
    return this.answer('txn', () => this.store.txn(request));
  }

  compact(request: CompactionRequest) {
    return this.answer('compact', () => this.store.compact(request.revision));
  }

  leaseGrant(id: bigint, ttl: number) {
    return this.answer('leaseGrant', () => this.store.leaseGrant(id, ttl));
  }

  leaseRevoke(id: bigint) {
    return this.answer(undefined, () => this.store.leaseRevoke(id));
  }

  leaseKeepAlive(id: bigint) {
    return this.answer('leaseKeepAlive', () => {
      const lease = this.store.leases.get(id);
      return { id, ttl: lease?.ttl ?? 0 };
    });
  }

  /** At once, as a caught-up leader does, unless `renewsNow` is off or a failure is set. */
  leaseKeepAliveNow(id: bigint) {
    if (!this.renewsNow || this.failures.has('leaseKeepAlive')) return undefined;
    const lease = this.store.leases.get(id);
    return { header: this.header(), response: { id, ttl: lease?.ttl ?? 0 } };
  }

  leaseTimeToLive(id: bigint, keys: boolean) {
    return this.answer(undefined, () => {
      const lease = this.store.leases.get(id);
      if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [] };
      const names = keys
        ? [...lease.keys].map((key) => new Uint8Array(Buffer.from(key, 'latin1')))
        : [];
      return { id, ttl: lease.ttl, grantedTtl: lease.ttl, keys: names };
    });
  }

  leaseLeases() {
    return this.answer(undefined, () => [...this.store.leases.keys()]);
  }

  watch(create: WatchCreate, sink: WatchSink): WatchHandle {
    return this.hub.watch(create, sink);
  }

  async status(): Promise<MemberStatus> {
    return {
      header: this.header(),
      version: this.version,
      dbSize: 4096,
      dbSizeInUse: 2048,
      leader: this.leader,
      raftIndex: 42,
      raftTerm: fakeRaftTerm,
      raftAppliedIndex: 42,
      errors: this.maintenance.alarms.map((a) => `memberID:${a.memberId} alarm:${a.alarm} `),
      isLearner: this.cluster.members.get(fakeMemberId)?.isLearner ?? false,
    };
  }

  memberList(linearizable: boolean, options?: RequestOptions) {
    return linearizable && this.stalled
      ? this.stall(options?.signal)
      : this.answer('memberList', () => this.cluster.list());
  }

  memberAdd(peerUrls: readonly string[], isLearner: boolean): Promise<WithHeader<MemberAddResult>> {
    return this.answer('memberAdd', () => this.cluster.add(peerUrls, isLearner));
  }

  memberRemove(id: bigint) {
    return this.answer('memberRemove', () => this.cluster.remove(id));
  }

  memberUpdate(id: bigint, peerUrls: readonly string[]) {
    return this.answer(undefined, () => this.cluster.update(id, peerUrls));
  }

  memberPromote(id: bigint) {
    return this.answer(undefined, () => this.cluster.promote(id));
  }

  hash() {
    return this.answer('hash', () => FakeMaintenance.hashOf(this.store.revision));
  }

  hashKv(revision: number): Promise<WithHeader<HashKvResult>> {
    return this.answer(undefined, () => {
      FakeMaintenance.check(revision, this.store.compacted, this.store.revision);
      const hashRevision = revision === 0 ? this.store.revision : revision;
      return {
        hash: FakeMaintenance.hashOf(hashRevision),
        compactRevision: this.store.compacted,
        hashRevision,
      };
    });
  }

  async snapshot() {
    return (await this.answer('snapshot', () => this.maintenance.snapshot())).response;
  }

  async moveLeader(target: bigint): Promise<void> {
    await this.answer(undefined, () => {
      if (this.leader !== fakeMemberId) throw new ConcordError('NotLeader');
      const member = this.cluster.members.get(target);
      if (member === undefined || member.isLearner) throw new ConcordError('BadLeaderTransferee');
      this.leader = target;
    });
  }

  alarm(request: AlarmRequest): Promise<WithHeader<readonly AlarmMember[]>> {
    return this.answer('alarm', () => this.maintenance.alarm(request));
  }

  activeAlarms(): readonly AlarmMember[] {
    return [...this.maintenance.alarms];
  }

  async defragment(): Promise<void> {
    await this.answer('defragment', () => {
      this.maintenance.defragmented++;
    });
  }

  /** Auth is never enabled here: the auth store stays empty (test/auth runs real members). */
  auth(): Promise<WithHeader<AuthResponse>> {
    return Promise.reject(new ConcordError('AuthNotEnabled'));
  }

  async authStore(): Promise<WithHeader<AuthStoreView>> {
    return this.answer(undefined, () => this.authState);
  }

  authView(): AuthStoreView {
    return this.authState;
  }

  onAuthApplied(): () => void {
    return () => undefined;
  }

  close(): void {
    this.hub.close();
  }

  /** Runs `apply` as the member would: asynchronously, with the header after it. */
  private async answer<T>(method: Method | undefined, apply: () => T): Promise<WithHeader<T>> {
    await Promise.resolve();
    const code = method === undefined ? undefined : this.failures.get(method);
    if (method !== undefined && code !== undefined) {
      this.failures.delete(method);
      throw new ConcordError(code);
    }
    const response = apply();
    return { header: this.header(), response };
  }
}
