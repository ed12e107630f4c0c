import { ConcordError, isConcordError } from '../base/errors.js';
import { Prng } from '../base/prng.js';
import { joinPath } from '../env/disk.js';
import { encodeRequest, decodeRequest } from '../mvcc/request-codec.js';
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
import type { ConfChange, Message, Snapshot, SoftState } from '../raft/types.js';
import { None } from '../raft/types.js';
import { LmdbBackend } from '../storage/lmdb-backend.js';
import { RaftLogStore } from '../storage/raft-log-store.js';
import type {
  AlarmMember,
  AlarmRequest,
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
import { bootstrapLog, encodeMemberContext } from './bootstrap.js';
import { Driver } from './driver.js';
import { loadIdentity, saveIdentity, type Identity } from './identity.js';
import { clusterIdFor, IdGenerator, memberIdFor } from './ids.js';
import { LeaseDeadlines } from './lease-deadlines.js';
import { LinearizableReads } from './linearizable-reads.js';
import { memberDefaults, type LogFn, type MemberOptions } from './member-options.js';
import {
  decodePeerRequest,
  decodePeerResponse,
  encodePeerMessage,
  errorResponse,
  type PeerRequest,
} from './peer-rpc.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership.js';
import { Peers } from './peers.js';
import { decodeSnapshotData, encodeSnapshotData } from './snapshot-data.js';
import { Waiters } from './waiters.js';

/**
 * One Concord member: Raft, the WAL, the key-value state machine and the leader's lease clock,
 * behind the ConcordApi its front doors call. Writes go through Raft; linearizable reads wait
 * for a ReadIndex round; serializable reads are served from the local state machine.
 */
export class Member implements ConcordApi {
  readonly waiters = new Waiters<Applied>();
  readonly deadlines = new LeaseDeadlines();
  private readonly ids: IdGenerator;
  private readonly reads: LinearizableReads;
  private readonly background: Background;
  readonly driver: Driver;
  private readonly applier: Applier;
  private readonly log: LogFn;
  readonly requestTimeoutMs: number;
  private closed = false;
  private leader = 0n;
  /** Leader changes seen (for etcd's "possibly due to previous leader failure"). */
  private leaderChanges = 0;
  private publishedAt = Number.NEGATIVE_INFINITY;
  private readonly confWaiters = new Set<() => void>();
  private readonly membership = new Membership(this);
  private readonly maintenance = new Maintenance(this);
  /** The peer transport; absent for a member started without peer URLs. */
  peers: Peers | undefined;
  /** Called once when this member learns it was removed from the cluster (etcd exits). */
  onRemoved: () => void = () => undefined;
  /** The database size, read at most every dbSizeRefreshMs (reading it costs a syscall). */
  private dbSize = { bytes: 0, at: Number.NEGATIVE_INFINITY };
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
    this.log = options.log ?? (() => undefined);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000 + 2 * options.electionMs;
    this.ids = new IdGenerator(identity.memberId, Date.now());
    this.applier = new Applier(stateMachine, () => this.raw, this.waiters, appliedWait, {
      applied: (request, result) => this.observeApplied(request, result),
      confChanged: (change) => this.observeConfChange(change),
    });
    for (const member of decodeSnapshotData(store.storage.snapshot().data).members) {
      this.applier.members.set(member.id, member);
    }
    this.driver = new Driver(
      raw,
      store,
      {
        send: (messages) => this.send(messages),
        softState: (state) => this.onSoftState(state),
        applySnapshot: (snapshot) => this.installSnapshot(snapshot),
        applyEntries: (entries) => this.applier.apply(entries),
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
    const store = await RaftLogStore.open(disk, dataDir, { log: options.log });
    if (identity === undefined) {
      identity =
        options.initialClusterState === 'new'
          ? await bootstrap(options, store)
          : await joining(options);
    }
    const electionTicks = Math.max(2, Math.round(options.electionMs / options.heartbeatMs));
    const backend = new LmdbBackend({ path: joinPath(dataDir, 'member', 'db') });
    const stateMachine = new StateMachine(backend, {
      minLeaseTtlSeconds: minLeaseTtlSeconds(electionTicks, options.heartbeatMs),
    });
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
      await member.startPeers();
    } catch (error) {
      await member.close();
      throw error;
    }
    member.start();
    return member;
  }

  /** Listens for peers and dials the members this member knows of. */
  private async startPeers(): Promise<void> {
    const listen = this.options.listenPeerUrls ?? [];
    if (listen.length === 0) return;
    this.peers = await Peers.start({
      selfId: this.identity.memberId,
      clusterId: this.identity.clusterId,
      listen,
      onMessages: (messages) => {
        for (const m of messages) this.driver.step(m);
      },
      onSnapshotStatus: (to, ok) => {
        this.raw.reportSnapshot(to, ok);
        this.driver.wake();
      },
      onUnreachable: (to) => {
        this.raw.reportUnreachable(to);
        this.driver.wake();
      },
      onRpc: (from, body) => this.answerPeer(from, body),
      onClusterId: (clusterId) => void this.adoptClusterId(clusterId),
      log: this.log,
    });
    const known = new Map(this.applier.members);
    // Before the log is replayed, the flags name the peers (a new cluster, or one joined).
    for (const m of this.options.initialCluster) {
      const id = memberIdFor(m.peerUrls, this.identity.clusterToken);
      if (!known.has(id))
        known.set(id, { id, name: m.name, peerUrls: m.peerUrls, clientUrls: [], isLearner: false });
    }
    this.peers.sync(known.values());
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

  /**
   * Tells the cluster this member's name and client URLs (etcd's publish), once a leader is
   * known and until the member list has them. Called by the background loop.
   */
  publishAttributes(): void {
    const self = this.applier.members.get(this.identity.memberId);
    if (self === undefined || this.raw.raft.lead === None) return;
    const { name, clientUrls } = this.options;
    if (self.name === name && sameList(self.clientUrls, clientUrls)) return;
    const now = this.options.clock.now();
    if (now - this.publishedAt < this.options.electionMs) return; // one in flight at a time
    this.publishedAt = now;
    try {
      this.driver.proposeConfChange({
        type: 'UpdateNode',
        nodeId: this.identity.memberId,
        context: encodeMemberContext({ name, clientUrls }),
      });
    } catch (error) {
      if (!isConcordError(error)) throw error; // dropped: the next step tries again
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.background.stop();
    await this.driver.stop();
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

  async leaseGrant(
    id: bigint,
    ttl: number,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseGrantResult>> {
    this.checkQuota();
    const leaseId = id === 0n ? this.ids.next() : id;
    const { header, response } = await this.propose(
      { type: 'leaseGrant', request: { id: leaseId, ttl } },
      options,
    );
    const granted = expect(response, 'leaseGrant');
    return { header, response: { id: granted.id, ttl: granted.ttl } };
  }

  async leaseRevoke(id: bigint, options?: RequestOptions): Promise<WithHeader<void>> {
    const { header } = await this.propose({ type: 'leaseRevoke', request: { id } }, options);
    return { header, response: undefined };
  }

  async leaseKeepAlive(
    id: bigint,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseGrantResult>> {
    await this.linearizable(options); // a leader exists, and the lease's grant is applied
    if (!this.deadlines.isLeading) {
      // Only the leader keeps lease time: renew there (etcd forwards to the leader too).
      const ttl = await this.askLeader({ op: 'leaseKeepAlive', id: id.toString() });
      return { header: this.header(), response: { id, ttl } };
    }
    const lease = this.stateMachine.timeToLive(id);
    if (lease === undefined) return { header: this.header(), response: { id, ttl: 0 } };
    if (lease.remainingTtl > 0) {
      // A checkpoint shorter than the TTL would let a new leader expire the lease early:
      // reset it through Raft before acknowledging the renewal.
      await this.propose(
        { type: 'leaseCheckpoint', request: { checkpoints: [{ id, remainingTtl: 0 }] } },
        options,
      );
    }
    if (!this.deadlines.renew(id, this.options.clock.now())) {
      // Revoked meanwhile, or leadership moved during the checkpoint.
      const still = this.stateMachine.timeToLive(id) !== undefined;
      if (!still) return { header: this.header(), response: { id, ttl: 0 } };
      throw new ConcordError('NotLeader', 'etcdserver: not leader');
    }
    return { header: this.header(), response: { id, ttl: lease.ttl } };
  }

  async leaseTimeToLive(
    id: bigint,
    keys: boolean,
    options?: RequestOptions,
  ): Promise<WithHeader<LeaseTimeToLiveResult>> {
    await this.linearizable(options);
    const lease = this.stateMachine.timeToLive(id);
    if (lease === undefined) {
      return { header: this.header(), response: { id, ttl: -1, grantedTtl: 0, keys: [] } };
    }
    const remaining =
      this.deadlines.remaining(id, this.options.clock.now()) ??
      (await this.leaderRemaining(id)) ??
      (lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl);
    return {
      header: this.header(),
      response: { id, ttl: remaining, grantedTtl: lease.ttl, keys: keys ? lease.keys : [] },
    };
  }

  async leaseLeases(options?: RequestOptions): Promise<WithHeader<readonly bigint[]>> {
    await this.linearizable(options);
    return { header: this.header(), response: this.stateMachine.leases().map((l) => l.id) };
  }

  watch(create: WatchCreate, sink: WatchSink): WatchHandle {
    const hub = this.stateMachine.watches;
    let canceled = false;
    const id = hub.watch({
      key: create.key,
      rangeEnd: create.rangeEnd,
      startRevision: create.startRevision,
      noPut: create.noPut,
      noDelete: create.noDelete,
      prevKv: create.prevKv,
      sink: (response) => {
        if (canceled) return true;
        if (response.compactRevision !== undefined) {
          canceled = true;
          sink.canceled({
            compactRevision: response.compactRevision,
            message: 'mvcc: required revision has been compacted',
          });
          return true;
        }
        return sink.events(response.events, response.revision);
      },
    });
    this.background.wake();
    return {
      cancel: () => {
        canceled = true;
        hub.cancel(id);
      },
      progressRevision: () => hub.progress(id) ?? this.stateMachine.currentRevision,
      synced: () => hub.progress(id) === this.stateMachine.currentRevision,
    };
  }

  async status(): Promise<MemberStatus> {
    const raft = this.raw.raft;
    return {
      header: this.header(),
      version: this.options.version,
      dbSize: this.stateMachine.backend.sizeBytes(),
      dbSizeInUse: this.stateMachine.backend.sizeBytes(),
      leader: raft.lead,
      raftIndex: raft.log.committed,
      raftTerm: raft.term,
      raftAppliedIndex: this.appliedWait.appliedIndex,
      errors: this.stateMachine
        .alarms('NONE')
        .map((a) => `memberID:${a.memberId} alarm:${a.alarm} `),
      isLearner: raft.isLearner,
    };
  }

  // ---- Cluster and maintenance: the front door serves these; the clustered member
  // implements them (issue 5). Until then they answer 'Unavailable'.

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

  defragment(): Promise<void> {
    return this.maintenance.defragment();
  }

  /** True if learner `id` has caught up with the leader (asked of the leader if need be). */
  async learnerReady(id: bigint): Promise<boolean> {
    if (this.raw.raft.state === 'Leader') return this.membership.learnerCaughtUp(id);
    return (await this.askLeader({ op: 'learnerReady', id: id.toString() })) === 1;
  }

  /** Resolves once `done()` holds after a conf change, or after `timeoutMs` (either way). */
  confChangeApplied(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.confWaiters.delete(check);
        cancel();
        resolve();
      };
      const check = (): void => {
        if (done()) finish();
      };
      const cancel = this.options.clock.after(Math.max(1, timeoutMs), finish);
      this.confWaiters.add(check);
    });
  }

  /** Resolves true once `leader` leads (as this member sees it), false after `timeoutMs`. */
  leaderIs(leader: bigint, timeoutMs: number, options?: RequestOptions): Promise<boolean> {
    const deadline = this.options.clock.now() + timeoutMs;
    return new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (this.raw.raft.lead === leader) resolve(true);
        else if (this.options.clock.now() >= deadline || options?.signal?.aborted) resolve(false);
        else this.options.clock.after(this.options.heartbeatMs, check);
      };
      check();
    });
  }

  // ---- Peers ----

  /** Sends Raft's messages; a snapshot for a follower carries the whole current state. */
  private send(messages: readonly Message[]): void {
    if (this.peers === undefined) return;
    const out = messages.map((m) => {
      if (m.type !== 'MsgSnap' || m.snapshot === undefined) return m;
      const data = encodeSnapshotData({
        members: [...this.applier.members.values()],
        state: this.stateMachine.snapshot(),
      });
      return { ...m, snapshot: { ...m.snapshot, data } };
    });
    this.peers.transport.send(out);
  }

  /** A follower installs the leader's snapshot: its state and member list replace ours. */
  private installSnapshot(snapshot: Snapshot): void {
    const data = decodeSnapshotData(snapshot.data);
    if (data.state !== undefined) this.stateMachine.restoreSnapshot(data.state);
    this.applier.members.clear();
    for (const member of data.members) this.applier.members.set(member.id, member);
    this.peers?.sync(this.applier.members.values());
    this.appliedWait.trigger(snapshot.metadata.index);
    this.log('installed a snapshot from the leader', {
      index: snapshot.metadata.index,
      revision: this.stateMachine.currentRevision,
    });
  }

  /** Requests from other members: what only the leader can answer. */
  private async answerPeer(_from: bigint, body: Uint8Array): Promise<Uint8Array> {
    try {
      // Inside the try: a request this member does not understand gets an error answer.
      const request = decodePeerRequest(body);
      const id = BigInt(request.id);
      if (!this.deadlines.isLeading) throw new ConcordError('NotLeader', 'etcdserver: not leader');
      let value: number;
      if (request.op === 'leaseKeepAlive') value = (await this.leaseKeepAlive(id)).response.ttl;
      else if (request.op === 'leaseTimeToLive') {
        value = this.deadlines.remaining(id, this.options.clock.now()) ?? -1;
      } else value = this.membership.learnerCaughtUp(id) ? 1 : 0;
      return encodePeerMessage({ ok: true, value });
    } catch (error) {
      return encodePeerMessage(errorResponse(error));
    }
  }

  /** Asks the leader; rejects with the leader's error, or NoLeader / Unavailable. */
  private async askLeader(request: PeerRequest): Promise<number> {
    const leader = this.raw.raft.lead;
    if (leader === None || this.peers === undefined) {
      throw new ConcordError('NoLeader', 'etcdserver: no leader');
    }
    const reply = decodePeerResponse(
      await this.peers.transport.rpc(leader, encodePeerMessage(request)),
    );
    if (!reply.ok) throw new ConcordError(reply.code, reply.message);
    return reply.value;
  }

  private async adoptClusterId(clusterId: bigint): Promise<void> {
    if (this.identity.clusterId !== 0n) return;
    this.identity = { ...this.identity, clusterId };
    await saveIdentity(this.options.disk, this.options.dataDir, this.identity);
  }

  // ---- Internals ----

  /** Proposes a request and waits for it to be applied (or fail). */
  async propose(
    request: StateMachineRequest,
    options?: RequestOptions,
  ): Promise<{ header: ResponseHeader; response: StateMachineResponse }> {
    if (this.closed) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    const id = this.ids.next();
    const data = encodeRequest({ id, identity: options?.identity, request });
    const outcome = this.waiters.register(id);
    try {
      this.driver.propose(data, () => this.waiters.has(id));
    } catch (error) {
      this.waiters.reject(id, asConcordError(error));
    }
    const leaderChanges = this.leaderChanges;
    const applied = await this.withTimeout(outcome, options, (reason) => {
      const error =
        reason === 'canceled'
          ? new ConcordError('Canceled', 'etcdserver: request canceled')
          : this.timeoutError(leaderChanges);
      // Without a waiter the proposal is withdrawn if it has not reached Raft yet (the driver
      // checks before proposing), so a write its client saw fail is not applied later.
      this.waiters.reject(id, error);
      return error;
    });
    return {
      header: { ...this.header(), revision: applied.revision },
      response: applied.response,
    };
  }

  /** Waits until every write acknowledged before now is applied here (ReadIndex). */
  async linearizable(options?: RequestOptions): Promise<void> {
    if (this.closed) throw new ConcordError('Stopped', 'etcdserver: server stopped');
    const leaderChanges = this.leaderChanges;
    await this.withTimeout(this.reads.barrier(), options, (reason) =>
      reason === 'canceled'
        ? new ConcordError('Canceled', 'etcdserver: request canceled')
        : this.timeoutError(leaderChanges),
    );
  }

  /** The leader's view of a lease's remaining TTL, if this member can ask it. */
  private async leaderRemaining(id: bigint): Promise<number | undefined> {
    if (this.deadlines.isLeading || this.peers === undefined) return undefined;
    try {
      const ttl = await this.askLeader({ op: 'leaseTimeToLive', id: id.toString() });
      return ttl >= 0 ? ttl : undefined;
    } catch {
      return undefined; // fall back to the last checkpoint
    }
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
    /** Cleans up when the request is given up (deadline or client cancel); says what to answer. */
    onGiveUp: (reason: 'timeout' | 'canceled') => ConcordError,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancelTimer = this.options.clock.after(this.requestTimeoutMs, () => {
        signal?.removeEventListener('abort', onAbort);
        reject(onGiveUp('timeout'));
      });
      const signal = options?.signal;
      const onAbort = (): void => {
        cancelTimer();
        reject(onGiveUp('canceled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          cancelTimer();
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          cancelTimer();
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Refuses writes that grow the database past --quota-backend-bytes, raising the NOSPACE
   * alarm through Raft (every member then refuses them, as etcd does, until an operator
   * compacts, defragments and disarms). Reads and deletes still go through.
   */
  private checkQuota(): void {
    if (this.storageFailure !== undefined) throw this.storageFailure;
    const now = this.options.clock.now();
    if (now - this.dbSize.at >= memberDefaults.dbSizeRefreshMs) {
      this.dbSize = { bytes: this.stateMachine.backend.sizeBytes(), at: now };
    }
    if (this.dbSize.bytes <= this.options.quotaBackendBytes) return;
    const raised = this.stateMachine
      .alarms('NOSPACE')
      .some((a) => a.memberId === this.identity.memberId);
    if (!raised) {
      this.log('alarm raised: NOSPACE (database over --quota-backend-bytes)', {
        dbSize: this.dbSize.bytes,
        quota: this.options.quotaBackendBytes,
      });
      const request = {
        action: 'ACTIVATE',
        memberId: this.identity.memberId,
        alarm: 'NOSPACE',
      } as const;
      this.propose({ type: 'alarm', request }).catch(() => undefined); // retried on the next write
    }
    throw new ConcordError('NoSpace', 'etcdserver: mvcc: database space exceeded');
  }

  private onSoftState(state: SoftState): void {
    if (state.lead !== this.leader) {
      this.leaderChanges++;
      this.log('leader changed', {
        member: this.identity.name,
        term: this.raw.raft.term,
        leader: state.lead.toString(16),
      });
      this.leader = state.lead;
    }
    const now = this.options.clock.now();
    if (state.state === 'Leader' && !this.deadlines.isLeading) {
      this.deadlines.promote(this.stateMachine.leases(), now, this.options.electionMs);
    } else if (state.state !== 'Leader' && this.deadlines.isLeading) {
      this.deadlines.demote();
    }
  }

  private observeApplied(request: StateMachineRequest, result: ApplyResult): void {
    if (result.status !== 'applied') return;
    const now = this.options.clock.now();
    if (request.type === 'leaseGrant') {
      this.deadlines.granted(request.request.id, expect(result.response, 'leaseGrant').ttl, now);
    } else if (request.type === 'leaseRevoke') {
      this.deadlines.revoked(request.request.id);
    }
    this.background.noteApplied();
  }

  private observeConfChange(change: ConfChange): void {
    this.peers?.sync(this.applier.members.values());
    for (const waiter of [...this.confWaiters]) waiter();
    if (change.type === 'RemoveNode' && change.nodeId === this.identity.memberId) {
      this.log('the member has been permanently removed from the cluster', {
        member: this.identity.name,
      });
      this.onRemoved();
    }
    this.background.wake();
  }

  private onDropped(proposals: readonly Uint8Array[], error: ConcordError): void {
    for (const data of proposals) {
      this.waiters.reject(decodeRequest(data).id, error);
    }
  }

  private onFailed(error: ConcordError): void {
    this.log('the log could not be persisted: refusing writes until restarted', {
      error: error.message,
    });
    this.storageFailure = error;
    this.waiters.rejectAll(error);
    this.reads.failAll(error);
  }

  get members(): Applier['members'] {
    return this.applier.members;
  }
}

/** What bootstrapping a new cluster's member needs (`concord snapshot restore` uses it too). */
export type BootstrapOptions = Pick<
  MemberOptions,
  'name' | 'disk' | 'dataDir' | 'initialCluster' | 'initialClusterToken'
>;

/**
 * Makes `store` (empty) the log of a member of a NEW cluster: the initial members' AddNode
 * entries, committed in term 1, then the identity file (member and cluster IDs derived from
 * the initial cluster and its token, so every member computes the same ones).
 */
export async function bootstrap(options: BootstrapOptions, store: RaftLogStore): Promise<Identity> {
  const initial = options.initialCluster.map((m) => ({
    ...m,
    id: memberIdFor(m.peerUrls, options.initialClusterToken),
  }));
  const self = initial.find((m) => m.name === options.name);
  if (self === undefined) {
    throw new ConcordError(
      'InvalidArgument',
      `--initial-cluster has no member named "${options.name}"`,
    );
  }
  const identity: Identity = {
    name: options.name,
    memberId: self.id,
    clusterId: clusterIdFor(initial.map((m) => m.id)),
    clusterToken: options.initialClusterToken,
  };
  const { entries, hardState } = bootstrapLog(initial);
  await store.persist({ entries, hardState });
  // The identity last: a crash before it leaves a directory that bootstraps again, identically.
  await saveIdentity(options.disk, options.dataDir, identity);
  return identity;
}

type ResponseOf = {
  [K in StateMachineResponse['type']]: Extract<StateMachineResponse, { type: K }>['response'];
};

/**
 * A member joining an existing cluster (after MemberAdd named its peer URLs): its ID comes
 * from its peer URLs and the cluster token, as MemberAdd computed it; the cluster ID is
 * learned from the first peer that answers. Its log starts empty: the leader sends it all.
 */
async function joining(options: MemberOptions): Promise<Identity> {
  return {
    name: options.name,
    memberId: memberIdFor(options.peerUrls, options.initialClusterToken),
    clusterId: 0n,
    clusterToken: options.initialClusterToken,
  };
}

function expect<T extends keyof ResponseOf>(
  response: StateMachineResponse,
  type: T,
): ResponseOf[T] {
  if (response.type !== type) {
    throw new ConcordError('InvalidArgument', `expected a ${type} response, got ${response.type}`);
  }
  return response.response as ResponseOf[T];
}

function asConcordError(error: unknown): ConcordError {
  if (isConcordError(error)) return error;
  throw error;
}

function allSerializable(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].every((op) =>
    'requestRange' in op
      ? op.requestRange.serializable === true
      : 'requestTxn' in op
        ? allSerializable(op.requestTxn)
        : true,
  );
}

function hasPuts(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].some(
    (op) => 'requestPut' in op || ('requestTxn' in op && hasPuts(op.requestTxn)),
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
