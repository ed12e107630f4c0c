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
  ConcordApi,
  MemberStatus,
  ResponseHeader,
  WatchCreate,
  WatchHandle,
  WatchSink,
  WithHeader,
} from '../../../src/node/api.js';
import { FakeStore } from './fake-store.js';
import { FakeWatchHub } from './fake-watch.js';

export const fakeClusterId = 2n ** 64n - 1n;
export const fakeMemberId = 2n ** 63n + 5n;
export const fakeRaftTerm = 7;

type Method = 'range' | 'put' | 'deleteRange' | 'txn' | 'compact' | 'leaseGrant' | 'leaseKeepAlive';

export class FakeMember implements ConcordApi {
  readonly store = new FakeStore();
  readonly hub = new FakeWatchHub(this.store);
  leader = fakeMemberId;
  private readonly failures = new Map<Method, ErrorCode>();

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

  range(request: RangeRequest) {
    return this.answer('range', () => this.store.range(request));
  }

  put(request: PutRequest) {
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
      version: '3.6.0',
      dbSize: 4096,
      dbSizeInUse: 2048,
      leader: this.leader,
      raftIndex: 42,
      raftTerm: fakeRaftTerm,
      raftAppliedIndex: 42,
      errors: [],
      isLearner: false,
    };
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
