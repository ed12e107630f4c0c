import { ConcordError } from '../base/errors.js';
import type { Message, Snapshot } from '../raft/types.js';
import { None } from '../raft/types.js';
import { CommitNotices } from './commit-notices.js';
import { saveIdentity } from './identity.js';
import { memberIdFor } from './ids.js';
import type { Member } from './member.js';
import {
  decodePeerRequest,
  decodePeerResponse,
  encodePeerMessage,
  errorResponse,
  type PeerRequest,
} from './peer-rpc.js';
import { Peers } from './peers.js';
import { decodeSnapshotData, encodeSnapshotData } from './snapshot-data.js';

/**
 * A member's side of the peer transport: Raft's messages out and in, the leader's snapshot
 * carrying the whole state, and the few requests only the leader can answer.
 */
export class PeerWiring {
  peers: Peers | undefined;
  // Made in start(): the member's options are not set yet when it constructs its wiring.
  private notices: CommitNotices | undefined;
  private stopWanting: (() => void) | undefined;

  constructor(private readonly member: Member) {}

  /** Listens for peers and dials the members this member knows of. */
  async start(): Promise<void> {
    const m = this.member;
    const listen = m.options.listenPeerUrls ?? [];
    if (listen.length === 0) return;
    const notices = new CommitNotices({
      clock: m.options.clock,
      urgentMs: m.options.electionMs,
      isCommitNotice: (message) => this.isCommitNotice(message),
      send: (messages) => this.peers?.transport.send(messages),
    });
    this.notices = notices;
    // Often enough that the leader's `urgentMs` never runs out between two.
    this.stopWanting = m.options.clock.every(m.options.electionMs / 2, () => this.wantCommits());
    this.peers = await Peers.start({
      selfId: m.identity.memberId,
      clusterId: m.identity.clusterId,
      listen,
      tls: m.options.peerTls,
      onMessages: (messages) => {
        for (const message of messages) {
          notices.heard(message);
          m.driver.step(message);
        }
      },
      onSnapshotStatus: (to, ok) => {
        m.raw.reportSnapshot(to, ok);
        m.driver.wake();
      },
      onUnreachable: (to) => {
        m.raw.reportUnreachable(to);
        m.driver.wake();
      },
      onRpc: (from, body) => this.answer(from, body),
      onClusterId: (clusterId) => void this.adoptClusterId(clusterId),
      isRemoved: (id) => m.removedMembers.has(id),
      onRemoved: () => m.learnRemoved(),
      onRoundTrip: (peer, seconds) => m.options.observer?.peerRoundTrip(peer, seconds),
      log: m.log,
    });
    const known = new Map(m.members);
    // Before the log is replayed, the flags name the peers (a new cluster, or one joined);
    // never one the cluster removed, which the flags of a restart may still name.
    for (const initial of m.options.initialCluster) {
      const id = memberIdFor(initial.peerUrls, m.identity.clusterToken);
      if (known.has(id) || m.removedMembers.has(id)) continue;
      known.set(id, {
        id,
        name: initial.name,
        peerUrls: initial.peerUrls,
        clientUrls: [],
        isLearner: false,
      });
    }
    this.peers.sync(known.values());
  }

  /**
   * Sends Raft's messages (commit-only appends to idle followers a little later: see
   * CommitNotices); a snapshot for a follower carries the whole current state.
   */
  send(messages: readonly Message[]): void {
    if (this.peers === undefined || this.notices === undefined) return;
    const out = this.notices.filter(messages).map((message) => {
      if (message.type !== 'MsgSnap' || message.snapshot === undefined) return message;
      const data = encodeSnapshotData({
        members: [...this.member.members.values()],
        removed: [...this.member.removedMembers],
        state: this.member.stateMachine.snapshot(),
      });
      return { ...message, snapshot: { ...message.snapshot, data } };
    });
    this.peers.transport.send(out);
  }

  /** Drops the commit notices still held and stops asking for ours (the member is closing). */
  stop(): void {
    this.notices?.clear();
    this.stopWanting?.();
    this.stopWanting = undefined;
  }

  /**
   * A follower with watchers tells the leader that clients here wait on its commits, so that
   * the leader does not hold its commit notices (CommitNotices). Lost or refused (an older
   * leader, a leader change), the next one is half an election timeout away.
   */
  private wantCommits(): void {
    const m = this.member;
    const raft = m.raw.raft;
    if (raft.state !== 'Follower' || raft.lead === None || this.peers === undefined) return;
    if (m.stateMachine.watches.size === 0) return;
    const request = encodePeerMessage({ op: 'commitsWanted', id: '0' });
    this.peers.transport.rpc(raft.lead, request).catch(() => {});
  }

  /**
   * An empty append to a follower in Replicate state only tells it the commit index: its log
   * is being streamed, so the append is no probe (Probe state) that the follower must answer
   * before more entries can go.
   */
  private isCommitNotice(message: Message): boolean {
    if (message.type !== 'MsgApp' || message.entries.length > 0) return false;
    const raft = this.member.raw.raft;
    if (raft.state !== 'Leader') return false;
    return raft.tracker.progress.get(message.to)?.state === 'Replicate';
  }

  /** A follower installs the leader's snapshot: its state and member list replace ours. */
  installSnapshot(snapshot: Snapshot): void {
    const m = this.member;
    const data = decodeSnapshotData(snapshot.data);
    if (data.state !== undefined) m.stateMachine.restoreSnapshot(data.state);
    m.members.clear();
    for (const member of data.members) m.members.set(member.id, member);
    m.removedMembers.clear();
    for (const id of data.removed ?? []) m.removedMembers.add(id);
    this.peers?.sync(m.members.values());
    m.appliedWait.trigger(snapshot.metadata.index);
    m.logger.info('installed a snapshot from the leader', {
      index: snapshot.metadata.index,
      revision: m.stateMachine.currentRevision,
      term: m.raw.raft.term,
      leader: m.raw.raft.lead.toString(16),
    });
  }

  /** Asks the leader; rejects with the leader's error, or NoLeader / Unavailable. */
  async askLeader(request: PeerRequest): Promise<number> {
    const leader = this.member.raw.raft.lead;
    if (leader === None || this.peers === undefined) {
      throw new ConcordError('NoLeader', 'etcdserver: no leader');
    }
    const reply = decodePeerResponse(
      await this.peers.transport.rpc(leader, encodePeerMessage(request)),
    );
    if (!reply.ok) throw new ConcordError(reply.code, reply.message);
    return reply.value;
  }

  /** Requests from other members: what only the leader can answer, or wants to know. */
  private async answer(from: bigint, body: Uint8Array): Promise<Uint8Array> {
    const m = this.member;
    try {
      // Inside the try: a request this member does not understand gets an error answer.
      const request = decodePeerRequest(body);
      const id = BigInt(request.id);
      if (!m.deadlines.isLeading) throw new ConcordError('NotLeader', 'etcdserver: not leader');
      let value: number;
      if (request.op === 'commitsWanted') {
        this.notices?.wanted(from);
        value = 1;
      } else if (request.op === 'leaseKeepAlive') value = (await m.leaseKeepAlive(id)).response.ttl;
      else if (request.op === 'leaseTimeToLive') {
        value = m.deadlines.remaining(id, m.options.clock.now()) ?? -1;
      } else value = m.learnerCaughtUp(id) ? 1 : 0;
      return encodePeerMessage({ ok: true, value });
    } catch (error) {
      return encodePeerMessage(errorResponse(error));
    }
  }

  /** A joining member learned the cluster ID: it becomes part of its identity. */
  private async adoptClusterId(clusterId: bigint): Promise<void> {
    const m = this.member;
    if (m.identity.clusterId !== 0n) return;
    m.identity = { ...m.identity, clusterId };
    await saveIdentity(m.options.disk, m.options.dataDir, m.identity);
  }
}
