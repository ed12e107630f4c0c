import type { Prng } from '../../src/base/prng.js';
import type { NodeId } from '../../src/raft/types.js';
import type { Cluster } from './cluster.js';
import type { CrashPlan, CrashPoint } from './member.js';
import type { CrashDamage } from './member-log.js';
import type { NetworkFaults } from './network.js';
import { perfectNetwork } from './network.js';

export interface FaultSettings {
  readonly network: NetworkFaults;
  /** Per tick, while the network is whole: the chance a partition starts. */
  readonly partitionRate: number;
  readonly partitionTicksMax: number;
  /** Per tick: the chance a live member crashes (between steps). */
  readonly crashRate: number;
  readonly downTicksMax: number;
  /** Per Ready handled: the chance the member crashes part way through it. */
  readonly readyCrashRate: number;
  /** Which mid-Ready crash points to use (a planted bug may want just one). */
  readonly crashPoints: readonly CrashPoint[];
  /** Per crash of a disk log: the chances it keeps some unsynced writes, tears one, flips a bit. */
  readonly disk: {
    readonly keepRate: number;
    readonly tearRate: number;
    readonly flipRate: number;
  };
}

/**
 * A `duringPersist` crash dies at one of the first disk operations of the persist: a WAL
 * append is a write then an fdatasync (op 2 dies between them, with the write unsynced); a
 * snapshot from the leader or a segment cut takes a few more.
 */
const persistOpsMax = 3;

export interface FaultStats {
  partitions: number;
  crashes: number;
}

/**
 * The fault injector: partitions (splits, an isolated member, one-way links), crashes between
 * steps and in the middle of handling a Ready, and restarts after a while. `heal()` ends the
 * chaos for the liveness phase: a perfect network and every member up.
 */
export class Faults {
  readonly stats: FaultStats = { partitions: 0, crashes: 0 };
  private healing = false;
  private partitionEndsAt = 0;
  private readonly restartAt = new Map<NodeId, number>();

  constructor(
    private readonly prng: Prng,
    private readonly settings: FaultSettings,
    private readonly cluster: Cluster,
  ) {
    cluster.network.faults = settings.network;
    cluster.crashPlans = () => this.crashPlan();
  }

  async tick(now: number): Promise<void> {
    if (this.healing) return;
    // Every crash ends in a restart, also those an armed kill causes later (disk logs).
    for (const member of this.cluster.current()) {
      if (member.up || member.failed || this.restartAt.has(member.id)) continue;
      this.restartAt.set(member.id, now + this.prng.range(1, this.settings.downTicksMax));
    }
    for (const [id, at] of this.restartAt) {
      if (at > now) continue;
      this.restartAt.delete(id);
      await this.cluster.restart(id);
    }
    this.maybePartition(now);
    if (this.prng.chance(this.settings.crashRate)) this.crashOne();
  }

  /** From now on: a perfect network, no crashes, and every member that is down restarts. */
  async heal(): Promise<void> {
    this.healing = true;
    const network = this.cluster.network;
    network.faults = perfectNetwork;
    network.heal();
    this.cluster.trace.record(this.cluster.now, 'heal: perfect network, all members up');
    for (const member of this.cluster.current()) await this.cluster.restart(member.id);
  }

  private crashPlan(): CrashPlan | undefined {
    if (this.healing || !this.prng.chance(this.settings.readyCrashRate)) return undefined;
    this.stats.crashes++;
    const point = this.prng.pick(this.settings.crashPoints);
    return { point, damage: this.damage(), op: this.prng.range(1, persistOpsMax) };
  }

  /**
   * What a crash does to a disk log's unsynced writes. A flipped bit can make the member's
   * disk refuse to open, which fails it for good: at most one member in the cluster is broken
   * at a time, so a majority can always be restored.
   */
  private damage(): CrashDamage {
    const { keepRate, tearRate, flipRate } = this.settings.disk;
    return {
      keepSomeUnsynced: this.prng.chance(keepRate),
      tear: this.prng.chance(tearRate),
      flip: this.prng.chance(flipRate) && this.cluster.broken().length === 0,
    };
  }

  private crashOne(): void {
    const live = this.cluster.live();
    // Keep a majority of the members up between steps, so runs make progress; mid-Ready
    // crashes are not capped and sometimes take more down.
    const down = this.cluster.current().length - live.length;
    if (live.length === 0 || down + 1 > (this.cluster.current().length - 1) / 2) return;
    const victim = this.prng.pick(live);
    this.stats.crashes++;
    victim.crash('crash', this.damage());
  }

  private maybePartition(now: number): void {
    const network = this.cluster.network;
    if (network.partitioned) {
      if (now < this.partitionEndsAt) return;
      network.heal();
      this.cluster.trace.record(now, 'partition healed');
      return;
    }
    if (!this.prng.chance(this.settings.partitionRate)) return;
    const ids = this.prng.shuffle(this.cluster.current().map((member) => member.id));
    if (ids.length < 2) return;
    const kind = this.prng.int(3);
    let description: string;
    if (kind === 0) {
      const cut = this.prng.range(1, ids.length - 1);
      network.partition([ids.slice(0, cut), ids.slice(cut)]);
      description = `{${ids.slice(0, cut).join(',')}} | {${ids.slice(cut).join(',')}}`;
    } else if (kind === 1) {
      network.isolate(ids[0]!, ids);
      description = `${ids[0]} isolated`;
    } else {
      const links = this.prng.range(1, ids.length);
      const cuts: string[] = [];
      for (let i = 0; i < links; i++) {
        const from = this.prng.pick(ids);
        const to = this.prng.pick(ids.filter((id) => id !== from));
        network.cutLink(from, to);
        cuts.push(`${from}>${to}`);
      }
      description = `one-way cuts ${cuts.join(' ')}`;
    }
    this.stats.partitions++;
    this.partitionEndsAt = now + this.prng.range(1, this.settings.partitionTicksMax);
    this.cluster.trace.record(now, `partition: ${description}`);
  }
}
