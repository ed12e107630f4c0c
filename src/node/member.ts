import { ConcordError } from '../base/errors.js';
import { Prng } from '../base/prng.js';
import { joinPath } from '../env/disk.js';
import { logFunction, silentLogger, type Logger } from '../env/logger.js';
import { decodeRequest } from '../mvcc/request-codec.js';
import { isReadOnlyTxn, StateMachine, type ApplyResult } from '../mvcc/state-machine.js';
import { minLeaseTtlSeconds } from '../mvcc/lessor.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  StateMachineRequest,
  StateMachineResponse,
  TxnRequest,
  TxnResponse,
} from '../mvcc/types.js';
import { RawNode } from '../raft/raw-node.js';
import type { ConfChange, SoftState } from '../raft/types.js';
import { None } from '../raft/types.js';
import { LmdbBackend } from '../storage/lmdb-backend.js';
import { WriteBufferedBackend } from '../storage/write-buffer.js';
import { RaftLogStore } from '../storage/raft-log-store.js';
import type { AuthStoreView } from '../mvcc/auth/auth-store.js';
import type { AuthRequest, AuthResponse } from '../mvcc/auth/types.js';
import type {
  AlarmMember,
  AlarmRequest,
  AuthAppliedListener,
  ClusterMember,
  ConcordApi,
  HashKvResult,
  MemberAddResult,
  SnapshotReader,
  LeaseGrantResult,
  LeaseTimeToLiveResult,
  MemberStatus,
  RequestOptions,
  ResponseHeader,
  WatchCreate,
  WatchHandle,
  WatchSink,
  WithHeader,
} from './api.js';
import { Applier, type Applied } from './applier.js';
import { AppliedWait } from './applied-wait.js';
import { Background } from './background.js';
import { bootstrap, joining } from './bootstrap.js';
import { Leases } from './leases.js';
import { MemberAuth } from './auth.js';
import { expect } from './responses.js';
import { Driver } from './driver.js';
import { loadIdentity, type Identity } from './identity.js';
import { IdGenerator } from './ids.js';
import { LeaseDeadlines } from './lease-deadlines.js';
import { LinearizableReads } from './linearizable-reads.js';
import { memberDefaults, type LogFn, type MemberOptions } from './member-options.js';
import { MemberCounters, noObserver, type MemberMetrics } from './member-metrics.js';
import type { PeerRequest } from './peer-rpc.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership.js';
import type { Peers } from './peers.js';
import { PeerWiring } from './peer-wiring.js';
import { Quota } from './quota.js';
import { Requests } from './requests.js';
import { fsyncWarnings, SlowApplies } from './slow-warnings.js';
import { decodeSnapshotData } from './snapshot-data.js';
import { recoverBehindSnapshot } from './snapshot-recovery.js';
import { Waiters } from './waiters.js';
import { allSerializable, hasPuts } from './txn-kind.js';
import { watchStore } from './watch-adapter.js';

/**
 * One Concord member: Raft, the WAL, the key-value state machine and the leader's lease clock,
 * behind the ConcordApi its front doors call. Writes go through Raft; linearizable reads wait
 * for a ReadIndex round; serializable reads are served from the local state machine.
 */
export class Member implements ConcordApi {
  readonly waiters = new Waiters<Applied>();
  readonly deadlines = new LeaseDeadlines();
  readonly ids: IdGenerator;
  readonly reads: LinearizableReads;
  private readonly background: Background;
  readonly driver: Driver;
  private readonly applier: Applier;
  /** The peer transport; absent for a member started without peer URLs. */
  get peers(): Peers | undefined {
    return this.wiring.peers;
  }
  readonly logger: Logger;
  /** Info-level lines, for the parts that take a plain log function (storage, transport). */
  readonly log: LogFn;
  /** What /metrics counts (plain numbers; read at scrape time). */
  readonly counters = new MemberCounters();
  readonly requestTimeoutMs: number;
  private closed = false;
  private leader = 0n;
  private readonly requests = new Requests(this);
  private readonly quota = new Quota(this);
  private readonly slowApplies = new SlowApplies(this);
  readonly membership = new Membership(this);
  private readonly leases = new Leases(this);
  private readonly maintenance = new Maintenance(this);
  private readonly authService = new MemberAuth(this);
  /** The peer transport and what travels on it. */
  private readonly wiring = new PeerWiring(this);
  /** Called once when this member learns it was removed from the cluster (etcd exits). */
  onRemoved: () => void = () => undefined;
  private removedLearned = false;
  /** Set when this member's log cannot be persisted: it refuses writes until restarted. */
  private storageFailure: ConcordError | undefined;

  private constructor(
    readonly options: MemberOptions,
    public identity: Identity,
    readonly store: RaftLogStore,
    readonly stateMachine: StateMachine,
    readonly raw: RawNode,
    readonly appliedWait: AppliedWait,
  ) {
    const { clock } = options;
    this.logger = options.logger ?? silentLogger;
    this.log = logFunction(this.logger, 'info');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000 + 2 * options.electionMs;
    const startMs = Date.now();
    this.ids = new IdGenerator(identity.memberId, startMs);
    this.applier = new Applier(stateMachine, () => this.raw, this.waiters, appliedWait, {
      applied: (request, result) => this.observeApplied(request, result),
      confChanged: (change) => this.observeConfChange(change),
      duplicated: () => void this.counters.atMostOnceDuplicates++,
    });
    const snapshotData = decodeSnapshotData(store.storage.snapshot().data);
    for (const member of snapshotData.members) this.applier.members.set(member.id, member);
    for (const id of snapshotData.removed ?? []) this.applier.removed.add(id);
    this.driver = new Driver(
      raw,
      store,
      {
        send: (messages) => this.wiring.send(messages),
        softState: (state) => this.onSoftState(state),
        applySnapshot: (snapshot) => this.wiring.installSnapshot(snapshot),
        applyEntries: (entries) =>
          this.slowApplies.timed(entries, () => this.applier.apply(entries)),
        readStates: (states) => this.reads.onReadStates(states),
        proposalsDropped: (proposals, error) => this.onDropped(proposals, error),
        failed: (error) => this.onFailed(error),
      },
      clock,
      {
        tickMs: options.heartbeatMs,
        pendingProposalsMax: options.pendingProposalsMax ?? memberDefaults.pendingProposalsMax,
      },
    );
    this.reads = new LinearizableReads(
      (context) => this.driver.readIndex(context),
      appliedWait,
      clock,
      {
        retryMs: Math.max(options.heartbeatMs * 5, 100),
        timeoutMs: this.requestTimeoutMs,
        pendingMax: 100_000,
      },
      identity.memberId,
      // 2^20 rounds per millisecond of uptime before a later start's contexts could overlap.
      BigInt(Math.floor(startMs)) << 20n,
    );
    this.background = new Background(this, {
      leaseCheckpointMs: options.leaseCheckpointMs ?? memberDefaults.leaseCheckpointMs,
    });
  }

  /**
   * Opens (or creates) the member's data directory, replays the WAL into Raft and the state
   * machine, and starts the Raft loop.
   *
   * Errors: ConcordError 'Corrupt' when the WAL, a snapshot or the identity is damaged (the
   * message names the file and how to recover), 'Io'/'NoSpace' on disk errors.
   */
  static async open(options: MemberOptions): Promise<Member> {
    const { disk, dataDir } = options;
    await disk.mkdir(joinPath(dataDir, 'member'));
    let identity = await loadIdentity(disk, dataDir);
    const logger = options.logger ?? silentLogger;
    const observer = options.observer ?? noObserver;
    const store = await RaftLogStore.open(disk, dataDir, {
      log: logFunction(logger, 'info'),
      onFsync: fsyncWarnings(logger, observer),
    });
    if (identity === undefined) {
      identity =
        options.initialClusterState === 'new'
          ? await bootstrap(options, store)
          : await joining(options);
    }
    const electionTicks = Math.max(2, Math.round(options.electionMs / options.heartbeatMs));
    // Applies land in a write buffer, committed to LMDB every few ms (etcd's batchTx): the
    // WAL makes them durable, and a restart replays it from the backend's consistent index.
    const dbPath = joinPath(dataDir, 'member', 'db');
    const backend = new WriteBufferedBackend(
      new LmdbBackend({
        path: dbPath,
        onCommit: (seconds) => observer.backendCommit(seconds),
      }),
    );
    const stateMachine = new StateMachine(backend, {
      minLeaseTtlSeconds: minLeaseTtlSeconds(electionTicks, options.heartbeatMs),
    });
    if (await recoverBehindSnapshot(stateMachine, store.storage.snapshot(), dbPath)) {
      logger.warn('restored the backend from the snapshot file: it was behind the snapshot', {
        index: store.storage.snapshot().metadata.index,
      });
    }
    // The backend may be ahead of the WAL's hard state: a commit-index-only change is not
    // written (it needs no fsync), but what the backend applied was committed.
    const hardState = store.storage.initialState().hardState;
    const applied = stateMachine.appliedIndex;
    if (applied > hardState.commit && applied <= store.storage.lastIndex()) {
      store.storage.setHardState({ ...hardState, commit: applied });
    }
    const snapshotIndex = store.storage.snapshot().metadata.index;
    const raw = new RawNode({
      id: identity.memberId,
      storage: store.storage,
      prng: new Prng(Number(identity.memberId & 0xffff_ffffn) ^ Date.now()),
      electionTicks,
      heartbeatTicks: 1,
      // Raft re-delivers everything after the snapshot: the state machine skips what it has
      // (its consistent index), and membership changes rebuild Raft's configuration.
      applied: snapshotIndex,
      preVote: true,
      checkQuorum: true,
    });
    const member = new Member(
      options,
      identity,
      store,
      stateMachine,
      raw,
      new AppliedWait(snapshotIndex),
    );
    try {
      await member.wiring.start();
    } catch (error) {
      await member.close();
      throw error;
    }
    member.start();
    return member;
  }

  private start(): void {
    this.driver.start();
    this.background.start();
    // A member that is the only voter need not wait out an election timeout.
    this.driver.wake();
  }

  /** Called by the background loop once the bootstrap entries are applied. */
  campaignIfAlone(): void {
    const { voters } = this.raw.raft.tracker;
    if (
      this.raw.raft.state !== 'Leader' &&
      voters.length === 1 &&
      voters[0] === this.identity.memberId
    ) {
      this.raw.campaign();
      this.driver.wake();
    }
  }

  /** Set once close() has begun: requests then fail with 'Stopped'. */
  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.background.stop();
    await this.driver.stop();
    this.wiring.stop();
    await this.peers?.close();
    const stopped = new ConcordError('Stopped', 'etcdserver: server stopped');
    this.reads.failAll(stopped);
    this.waiters.rejectAll(stopped);
    await this.store.close();
    await this.stateMachine.backend.sync();
    await this.stateMachine.backend.close();
  }

  // ---- ConcordApi ----

  header(): ResponseHeader {
    return {
      clusterId: this.identity.clusterId,
      memberId: this.identity.memberId,
      revision: this.stateMachine.currentRevision,
      raftTerm: this.raw.raft.term,
    };
  }

  async range(request: RangeRequest, options?: RequestOptions): Promise<WithHeader<RangeResponse>> {
    if (!request.serializable) await this.linearizable(options);
    const response = this.stateMachine.range(request);
    return { header: this.header(), response };
  }

  async put(request: PutRequest, options?: RequestOptions): Promise<WithHeader<PutResponse>> {
    this.checkQuota();
    const { header, response } = await this.propose({ type: 'put', request }, options);
    return { header, response: expect(response, 'put') };
  }

  async deleteRange(
    request: DeleteRangeRequest,
    options?: RequestOptions,
  ): Promise<WithHeader<DeleteRangeResponse>> {
    const { header, response } = await this.propose({ type: 'deleteRange', request }, options);
    return { header, response: expect(response, 'deleteRange') };
  }

  async txn(request: TxnRequest, options?: RequestOptions): Promise<WithHeader<TxnResponse>> {
    if (isReadOnlyTxn(request)) {
      // etcd serves a read-only txn without Raft: after a ReadIndex round unless every range
      // in it asked to be serializable.
      if (!allSerializable(request)) await this.linearizable(options);
      return { header: this.header(), response: this.stateMachine.readTxn(request) };
    }
    if (hasPuts(request)) this.checkQuota();
    const { header, response } = await this.propose({ type: 'txn', request }, options);
    return { header, response: expect(response, 'txn') };
  }

  async compact(request: CompactionRequest, options?: RequestOptions): Promise<WithHeader<void>> {
    const { header } = await this.propose({ type: 'compaction', request }, options);
    if (request.physical) await this.background.physicalCompaction(request.revision);
    return { header, response: undefined };
  }

  /** `id` 0n lets the member choose. */
  leaseGrant(
    id: bigint,
    ttl: number,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseGrantResult>> {
    this.checkQuota();
    return this.leases.grant(id === 0n ? this.ids.next() : id, ttl, options);
  }

  leaseRevoke(id: bigint, options?: RequestOptions): Promise<WithHeader<void>> {
    return this.leases.revoke(id, options);
  }

  leaseKeepAlive(id: bigint, options?: RequestOptions): Promise<WithHeader<LeaseGrantResult>> {
    return this.leases.keepAlive(id, options);
  }

  leaseKeepAliveNow(id: bigint): WithHeader<LeaseGrantResult> | undefined {
    return this.leases.renewNow(id);
  }

  leaseTimeToLive(
    id: bigint,
    keys: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseTimeToLiveResult>> {
    return this.leases.timeToLive(id, keys, options);
  }

  leaseLeases(options?: RequestOptions): Promise<WithHeader<readonly bigint[]>> {
    return this.leases.list(options);
  }

  watch(create: WatchCreate, sink: WatchSink): WatchHandle {
    const handle = watchStore(this.stateMachine, create, sink, () =>
      this.background.wakeWatchers(),
    );
    this.background.wake(); // a past start revision needs catching up
    return handle;
  }

  status(): Promise<MemberStatus> {
    return this.maintenance.status();
  }

  // ---- Cluster and maintenance: thin delegations to membership.ts and maintenance.ts.

  memberList(
    linearizable: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    return this.membership.list(linearizable, options);
  }

  memberAdd(
    peerUrls: readonly string[],
    isLearner: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<MemberAddResult>> {
    return this.membership.add(peerUrls, isLearner, options);
  }

  memberRemove(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    return this.membership.remove(id, options);
  }

  memberUpdate(
    id: bigint,
    peerUrls: readonly string[],
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    return this.membership.update(id, peerUrls, options);
  }

  memberPromote(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly ClusterMember[]>> {
    return this.membership.promote(id, options);
  }

  hash(options?: RequestOptions): Promise<WithHeader<number>> {
    return this.maintenance.hash(options);
  }

  hashKv(revision: number, options?: RequestOptions): Promise<WithHeader<HashKvResult>> {
    return this.maintenance.hashKv(revision, options);
  }

  snapshot(): Promise<SnapshotReader> {
    return this.maintenance.snapshot();
  }

  moveLeader(target: bigint, options?: RequestOptions): Promise<void> {
    return this.maintenance.moveLeader(target, options);
  }

  alarm(
    request: AlarmRequest,
    options?: RequestOptions,
  ): Promise<WithHeader<readonly AlarmMember[]>> {
    return this.maintenance.alarm(request, options);
  }

  activeAlarms(): readonly AlarmMember[] {
    return this.stateMachine.alarms('NONE');
  }

  auth(request: AuthRequest, options?: RequestOptions): Promise<WithHeader<AuthResponse>> {
    return this.authService.propose(request, options);
  }

  authStore(linearizable: boolean, options?: RequestOptions): Promise<WithHeader<AuthStoreView>> {
    return this.authService.store(linearizable, options);
  }

  authView(): AuthStoreView {
    return this.stateMachine.auth;
  }

  onAuthApplied(listener: AuthAppliedListener): () => void {
    return this.authService.onApplied(listener);
  }

  defragment(): Promise<void> {
    return this.maintenance.defragment();
  }

  /** Asks the leader something only it can answer (lease time, learner progress). */
  askLeader(request: PeerRequest): Promise<number> {
    return this.wiring.askLeader(request);
  }

  /** The leader's own judgement of whether learner `id` has caught up. */
  learnerCaughtUp(id: bigint): boolean {
    return this.membership.learnerCaughtUp(id);
  }

  // ---- Internals ----

  /** Proposes a request and waits for it to be applied (or fail). */
  propose(
    request: StateMachineRequest,
    options?: RequestOptions,
  ): Promise<{ header: ResponseHeader; response: StateMachineResponse }> {
    return this.requests.propose(request, options);
  }

  /** Waits until every write acknowledged before now is applied here (ReadIndex). */
  linearizable(options?: RequestOptions): Promise<void> {
    return this.requests.linearizable(options);
  }

  /** Refuses writes while the log cannot be persisted or the database is over its quota. */
  private checkQuota(): void {
    if (this.storageFailure !== undefined) throw this.storageFailure;
    this.quota.check();
  }

  private onSoftState(state: SoftState): void {
    if (state.lead !== this.leader) {
      this.requests.leaderChanged();
      // etcd counts a change only to a known leader (losing one is not a change).
      if (state.lead !== None) this.counters.leaderChangesSeen++;
      this.logger.info(state.lead === None ? 'lost leader' : 'leader changed', {
        term: this.raw.raft.term,
        leader: state.lead.toString(16),
        'previous-leader': this.leader.toString(16),
        role: state.state,
      });
      this.leader = state.lead;
    }
    this.leases.roleChanged(state.state === 'Leader');
  }

  private observeApplied(request: StateMachineRequest, result: ApplyResult): void {
    this.authService.applied(request, result);
    if (result.status !== 'applied') return;
    this.leases.applied(request, result.response);
    this.background.noteApplied();
  }

  private observeConfChange(change: ConfChange): void {
    this.peers?.sync(this.applier.members.values());
    this.membership.confChanged();
    if (change.type === 'RemoveNode' && change.nodeId === this.identity.memberId) {
      this.learnRemoved();
    }
    this.background.wake();
  }

  /** Removed: this member applied its own removal, or a peer refused it as removed (once). */
  learnRemoved(): void {
    if (this.removedLearned) return;
    this.removedLearned = true;
    this.logger.warn('the member has been permanently removed from the cluster', {
      term: this.raw.raft.term,
      leader: this.raw.raft.lead.toString(16),
    });
    this.onRemoved();
  }

  private onDropped(proposals: readonly Uint8Array[], error: ConcordError): void {
    // Only this member's own: a proposal a follower forwarded fails there too, when its
    // client's deadline passes, and etcd counts each failed proposal once, where it was made.
    for (const data of proposals) {
      if (this.waiters.reject(decodeRequest(data).id, error)) this.counters.proposalsFailed++;
    }
  }

  private onFailed(error: ConcordError): void {
    this.logger.error('the log could not be persisted: refusing writes until restarted', {
      error: error.message,
      term: this.raw.raft.term,
      leader: this.raw.raft.lead.toString(16),
    });
    this.storageFailure = error;
    this.counters.proposalsFailed += this.waiters.rejectAll(error);
    this.reads.failAll(error);
  }

  get members(): Applier['members'] {
    return this.applier.members;
  }

  get removedMembers(): Applier['removed'] {
    return this.applier.removed;
  }

  /** A snapshot of what /metrics reports (see member-metrics.ts). */
  metrics(): MemberMetrics {
    const raft = this.raw.raft;
    const dbSizeBytes = this.stateMachine.backend.sizeBytes();
    return {
      memberId: this.identity.memberId,
      version: this.options.version,
      leader: raft.lead,
      isLearner: raft.isLearner,
      term: raft.term,
      commitIndex: raft.log.committed,
      appliedIndex: this.appliedWait.appliedIndex,
      proposalsPending: this.waiters.size,
      dbSizeBytes,
      dbSizeInUseBytes: this.stateMachine.backend.sizeInUseBytes(),
      quotaBackendBytes: this.options.quotaBackendBytes,
      currentRevision: this.stateMachine.currentRevision,
      compactRevision: this.stateMachine.compactRevision,
      watchers: this.stateMachine.watches.size,
      leases: this.stateMachine.leases().length,
      counters: this.counters,
      peers: this.peers?.transport.peerStats() ?? [],
    };
  }
}
