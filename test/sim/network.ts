import type { Prng } from '../../src/base/prng.js';
import type { Message, NodeId } from '../../src/raft/types.js';

/** How badly the simulated network behaves; all rates are per message. */
export interface NetworkFaults {
  /** Probability that a message is lost. */
  readonly dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number;
  /** Delays are drawn from [1, delayTicksMax], which also reorders messages. */
  readonly delayTicksMax: number;
}

export const perfectNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, delayTicksMax: 1 };

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/**
 * A simulated network between members: messages are queued with a delay in ticks, then
 * delivered in a shuffled order within their tick. Partitions are checked at delivery, so a
 * message already in flight when a link is cut is lost, as on a real network.
 *
 * Messages are never copied: the Raft core treats every message as immutable, so delivering
 * the same object twice is an honest duplicate.
 */
export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  // Messages keyed by the tick they arrive at (or, lost snapshots, fail at). Every tick is
  // drained in turn, so no bucket is ever skipped.
  private readonly inFlight = new Map<number, InFlight[]>();
  // Directed links that are cut: `${from}>${to}`.
  private readonly cut = new Set<string>();
  /**
   * A scripted scenario's adversary, applied at delivery: returns the message to deliver
   * (possibly altered, e.g. with entries cut off) or undefined to lose it.
   */
  adversary: ((message: Message) => Message | undefined) | undefined;

  constructor(
    private readonly prng: Prng,
    public faults: NetworkFaults,
  ) {}

  send(message: Message, now: number): void {
    this.stats.sent++;
    if (this.prng.chance(this.faults.dropRate)) {
      this.stats.dropped++;
      // A snapshot stream fails visibly: its sender hears of it when it would have arrived.
      if (message.type === 'MsgSnap') this.enqueue(message, now, true);
      return;
    }
    this.enqueue(message, now, false);
    if (this.prng.chance(this.faults.duplicateRate)) {
      this.stats.duplicated++;
      this.enqueue(message, now, false);
    }
  }

  /**
   * The messages arriving at `now` over links that are up, in a random order; the snapshots
   * whose sending failed by now, and the messages lost on a cut link (the transport reports
   * both to their sender: its connection failed, unlike a silent random loss).
   */
  deliver(now: number): Delivery {
    const delivery: Delivery = { delivered: [], failedSnapshots: [], unreachable: [] };
    const due = this.inFlight.get(now);
    if (due === undefined) return delivery;
    this.inFlight.delete(now);
    for (const { message, lost } of this.prng.shuffle(due)) {
      const connected = this.connected(message.from, message.to);
      let arriving: Message | undefined = connected ? message : undefined;
      if (connected && this.adversary !== undefined) arriving = this.adversary(message);
      if (lost) {
        delivery.failedSnapshots.push(message);
      } else if (arriving !== undefined) {
        delivery.delivered.push(arriving);
      } else {
        this.stats.dropped++;
        if (message.type === 'MsgSnap') delivery.failedSnapshots.push(message);
        if (!connected) delivery.unreachable.push(message);
      }
    }
    this.stats.delivered += delivery.delivered.length;
    return delivery;
  }

  connected(from: NodeId, to: NodeId): boolean {
    return !this.cut.has(linkKey(from, to));
  }

  /** Cuts every link between members of different groups (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const [i, group] of groups.entries()) {
      for (const [j, other] of groups.entries()) {
        if (i === j) continue;
        for (const from of group) for (const to of other) this.cut.add(linkKey(from, to));
      }
    }
  }

  /** Cuts one direction of one link (asymmetric faults: `from` can hear `to` but not reach it). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Isolates `id` from `others`, both directions. */
  isolate(id: NodeId, others: readonly NodeId[]): void {
    this.partition([[id], others.filter((other) => other !== id)]);
  }

  heal(): void {
    this.cut.clear();
  }

  get partitioned(): boolean {
    return this.cut.size > 0;
  }

  private enqueue(message: Message, now: number, lost: boolean): void {
    const at = now + this.prng.range(1, Math.max(1, this.faults.delayTicksMax));
    const bucket = this.inFlight.get(at);
    if (bucket === undefined) this.inFlight.set(at, [{ message, lost }]);
    else bucket.push({ message, lost });
  }
}

export interface Delivery {
  readonly delivered: Message[];
  readonly failedSnapshots: Message[];
  readonly unreachable: Message[];
}

interface InFlight {
  readonly message: Message;
  /** A snapshot dropped when sent, kept only to report the failure to its sender. */
  readonly lost: boolean;
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
