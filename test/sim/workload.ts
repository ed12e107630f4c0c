import type { Prng } from '../../src/base/prng.js';
import type { NodeId } from '../../src/raft/types.js';
import type { Linearizability } from './checkers/linearizability.js';
import type { ClientEvents, Cluster } from './cluster.js';
import type { Member } from './member.js';
import { encodeWrite } from './state-machine.js';
import type { WriteId } from './state-machine.js';

export interface WorkloadSettings {
  readonly clients: number;
  /** Per tick, an idle client starts a write with this chance, else a read with `readRate`. */
  readonly writeRate: number;
  readonly readRate: number;
  /** A write not acknowledged after this many ticks is proposed again (same id). */
  readonly retryTicks: number;
  /** A read not served after this many ticks is abandoned. */
  readonly readTimeoutTicks: number;
  /** Planted bug `localRead`: a member that believes it leads answers reads at once. */
  readonly localRead: boolean;
  /**
   * Per tick: the chance that the writes clients submit in that tick go to one member as one
   * `proposeBatch` (as the production driver hands Raft what queued up during a persist).
   */
  readonly batchRate: number;
}

interface PendingWrite {
  readonly kind: 'write';
  readonly id: WriteId;
  member: NodeId;
  retryAt: number;
  submits: number;
}

interface PendingRead {
  readonly kind: 'read';
  readonly id: string;
  readonly member: NodeId;
  readonly deadline: number;
}

interface Client {
  readonly id: number;
  writes: number;
  op: PendingWrite | PendingRead | undefined;
}

export interface WorkloadStats {
  writes: number;
  acked: number;
  retries: number;
  /** Proposals of two or more writes in one `proposeBatch`. */
  batches: number;
  reads: number;
  readsServed: number;
  readsAbandoned: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Closed-loop clients: each has at most one request outstanding, a write or a ReadIndex read,
 * sent to a random live member (a follower forwards proposals and reads to the leader). A
 * write keeps its unique id across retries, and the state machine dedupes, so a retry that
 * commits twice is applied once. A client's request is lost when its member crashes.
 *
 * Client events are recorded in the linearizability history with a logical clock.
 */
export class Workload implements ClientEvents {
  readonly stats: WorkloadStats = {
    writes: 0,
    acked: 0,
    retries: 0,
    batches: 0,
    reads: 0,
    readsServed: 0,
    readsAbandoned: 0,
  };
  private readonly clients: Client[] = [];
  private readonly writeWaiters = new Map<WriteId, Client>();
  private readonly readWaiters = new Map<string, Client>();
  private time = 0;
  private reads = 0;

  constructor(
    private readonly prng: Prng,
    private readonly settings: WorkloadSettings,
    private readonly cluster: Cluster,
    private readonly history: Linearizability,
  ) {
    for (let id = 1; id <= settings.clients; id++) {
      this.clients.push({ id, writes: 0, op: undefined });
    }
    cluster.clients = this;
  }

  /** `invoke` is false in the healing phase: no new requests, but writes still retry. */
  async tick(now: number, invoke: boolean): Promise<void> {
    const batch = this.prng.chance(this.settings.batchRate) ? [] : undefined;
    for (const client of this.clients) {
      const op = client.op;
      if (op?.kind === 'write' && now >= op.retryAt) await this.submit(op, now, batch);
      else if (op?.kind === 'read' && now >= op.deadline) this.abandonRead(client, op, now);
      else if (op === undefined && invoke) await this.invoke(client, now, batch);
    }
    if (batch !== undefined) await this.submitBatch(batch, now);
  }

  /** Writes invoked and not yet acknowledged. */
  pendingWrites(): WriteId[] {
    return this.clients.flatMap((c) => (c.op?.kind === 'write' ? [c.op.id] : []));
  }

  appliedWrite(member: Member, id: WriteId, position: number): void {
    const client = this.writeWaiters.get(id);
    if (client?.op?.kind !== 'write' || client.op.member !== member.id) return;
    this.writeWaiters.delete(id);
    client.op = undefined;
    this.stats.acked++;
    this.history.writeAcked(id, position);
    this.cluster.trace.record(this.cluster.now, `ack ${id} at ${member.id} (position ${position})`);
  }

  readServed(member: Member, context: Uint8Array, writes: readonly WriteId[]): void {
    const id = decoder.decode(context);
    const client = this.readWaiters.get(id);
    if (client?.op?.kind !== 'read' || client.op.member !== member.id) return;
    this.complete(client, id, member, writes);
  }

  crashed(member: Member): void {
    // The member's pending requests are lost; their clients time out and retry or give up.
    for (const client of this.clients) {
      if (client.op?.kind === 'write' && client.op.member === member.id) client.op.member = 0n;
    }
  }

  private async invoke(
    client: Client,
    now: number,
    batch: PendingWrite[] | undefined,
  ): Promise<void> {
    if (this.prng.chance(this.settings.writeRate)) {
      const id = `c${client.id}.${++client.writes}`;
      const op: PendingWrite = { kind: 'write', id, member: 0n, retryAt: now, submits: 0 };
      client.op = op;
      this.stats.writes++;
      this.history.writeInvoked(id, ++this.time);
      this.writeWaiters.set(id, client);
      await this.submit(op, now, batch);
    } else if (this.prng.chance(this.settings.readRate)) {
      await this.startRead(client, now);
    }
  }

  /** Submits a write now, or adds it to this tick's batch. */
  private async submit(
    op: PendingWrite,
    now: number,
    batch: PendingWrite[] | undefined,
  ): Promise<void> {
    if (op.submits++ > 0) this.stats.retries++;
    op.retryAt = now + this.settings.retryTicks;
    if (batch !== undefined) batch.push(op);
    else await this.submitBatch([op], now);
  }

  /** Proposes the writes at one random live member: one `propose`, or one `proposeBatch`. */
  private async submitBatch(ops: readonly PendingWrite[], now: number): Promise<void> {
    const live = this.cluster.live();
    if (ops.length === 0 || live.length === 0) return;
    const member = this.prng.pick(live);
    for (const op of ops) op.member = member.id;
    const data = ops.map((op) => encodeWrite(op.id));
    const accepted = await this.cluster.act(member.id, (m) =>
      data.length === 1 ? m.raft.propose(data[0]!) : m.raft.proposeBatch(data),
    );
    if (ops.length > 1) this.stats.batches++;
    const ids = ops.map((op) => op.id).join(' ');
    this.cluster.trace.record(now, `propose ${ids} at ${member.id}${accepted ? '' : ': dropped'}`);
    if (accepted) return;
    // Dropped at once (no leader known): try again soon rather than after a full timeout.
    for (const op of ops) op.retryAt = now + Math.max(1, this.settings.retryTicks >> 3);
  }

  private async startRead(client: Client, now: number): Promise<void> {
    const live = this.cluster.live();
    if (live.length === 0) return;
    const member = this.prng.pick(live);
    const id = `r${++this.reads}`;
    this.stats.reads++;
    client.op = {
      kind: 'read',
      id,
      member: member.id,
      deadline: now + this.settings.readTimeoutTicks,
    };
    this.readWaiters.set(id, client);
    this.history.readInvoked(id, ++this.time);
    if (this.settings.localRead && member.role === 'Leader') {
      this.cluster.trace.record(now, `c${client.id} read ${id} served locally by ${member.id}`);
      this.complete(client, id, member, member.writes);
      return;
    }
    this.cluster.trace.record(now, `c${client.id} read ${id} at ${member.id}`);
    await this.cluster.act(member.id, (m) => m.raft.readIndex(encoder.encode(id)));
  }

  private complete(client: Client, id: string, member: Member, writes: readonly WriteId[]): void {
    this.readWaiters.delete(id);
    client.op = undefined;
    this.stats.readsServed++;
    this.history.readCompleted(id, ++this.time, writes);
    this.cluster.trace.record(
      this.cluster.now,
      `read ${id} served by ${member.id}: ${writes.length} writes`,
    );
  }

  private abandonRead(client: Client, op: PendingRead, now: number): void {
    this.readWaiters.delete(op.id);
    client.op = undefined;
    this.stats.readsAbandoned++;
    this.history.readAbandoned(op.id);
    this.cluster.trace.record(now, `c${client.id} abandons read ${op.id}`);
  }
}
