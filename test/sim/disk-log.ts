import { assert } from '../../src/base/assert.js';
import { isConcordError } from '../../src/base/errors.js';
import type { Prng } from '../../src/base/prng.js';
import type { MemoryStorage } from '../../src/raft/storage.js';
import type { ConfState } from '../../src/raft/types.js';
import { RaftLogStore } from '../../src/storage/raft-log-store.js';
import type { LogFn } from '../../src/storage/storage-errors.js';
import { KillableDisk } from './killable-disk.js';
import type { CrashDamage, KillPlan, MemberLog, ReadyUpdate, Recovery } from './member-log.js';
import { compactBehind } from './memory-log.js';
import { SimDisk } from './sim-disk.js';

export interface DiskLogSettings {
  /** WAL segment size: small, so that segments are cut and purged within a run. */
  readonly segmentBytes: number;
  readonly snapshotsKeep: number;
  readonly segmentsKeep: number;
}

const dataDir = '/data';

/**
 * The production member log: RaftLogStore (WAL + snapshotter) over the member's own SimDisk.
 * Like the production driver, a Ready is written only when it must be synced (a commit-only
 * hard state is not). A crash is the SimDisk's: unsynced changes are lost, or partly kept,
 * torn, or kept with a flipped bit; each open is a new process that reopens the store.
 */
export class DiskLog implements MemberLog {
  private readonly disk: SimDisk;
  private process: KillableDisk | undefined;
  private store: RaftLogStore | undefined;
  private inFlight: ReadyUpdate | undefined;
  private crashed = false;
  private flipped = false;
  /** The damage of the kill armed for the persist under way. */
  private killDamage: CrashDamage = {};

  constructor(
    prng: Prng,
    private readonly settings: DiskLogSettings,
    private readonly log: LogFn,
  ) {
    this.disk = new SimDisk(prng);
  }

  get storage(): MemoryStorage {
    assert(this.store !== undefined, 'disk log never opened');
    return this.store.storage;
  }

  get damaged(): boolean {
    return this.flipped;
  }

  async open(): Promise<Recovery> {
    const before = this.store?.storage;
    const inFlight = this.inFlight;
    const damaged = this.flipped;
    this.process = new KillableDisk(this.disk.process(), () => this.crashDisk(this.killDamage));
    this.inFlight = undefined;
    this.crashed = false;
    this.flipped = false;
    try {
      this.store = await RaftLogStore.open(this.process, dataDir, {
        ...this.settings,
        log: this.log,
      });
    } catch (error) {
      if (!isConcordError(error, 'Corrupt')) throw error;
      return { kind: 'refused', message: error.message, damaged };
    }
    if (before === undefined) return { kind: 'fresh' };
    return { kind: 'recovered', before, inFlight, after: this.store.storage };
  }

  arm(kill: KillPlan): void {
    this.opened().process.killAt(kill.op);
    this.killDamage = kill.damage;
  }

  async persist(update: ReadyUpdate): Promise<boolean> {
    if (!update.mustSync && update.snapshot === undefined) return true;
    const { store } = this.opened();
    this.inFlight = update;
    if (!(await this.survives(store.persist(update)))) return false;
    this.inFlight = undefined;
    return true;
  }

  async snapshot(
    index: number,
    confState: ConfState,
    data: Uint8Array,
    keep: number,
  ): Promise<boolean> {
    const { store } = this.opened();
    const snapshot = store.storage.createSnapshot(index, confState, data);
    this.log(`sim: save snapshot at ${index} (durable commit ${store.hardState.commit})`);
    if (!(await this.survives(store.saveSnapshot(snapshot)))) return false;
    compactBehind(store.storage, index, keep);
    return true;
  }

  /** Awaits a store operation; false when the armed kill struck during it. */
  private async survives(operation: Promise<void>): Promise<boolean> {
    try {
      await operation;
      return true;
    } catch (error) {
      if (this.opened().process.fired) return false;
      throw error;
    }
  }

  crash(damage: CrashDamage): void {
    if (!this.crashed) this.crashDisk(damage);
  }

  private crashDisk(damage: CrashDamage): void {
    assert(!this.crashed, 'disk crashed twice without a restart');
    this.crashed = true;
    const report = this.disk.crash(damage);
    if (report.flipped !== undefined) {
      this.flipped = true;
      this.log(`sim: crash flipped a bit of ${report.flipped.path} at ${report.flipped.offset}`);
    }
  }

  private opened(): { store: RaftLogStore; process: KillableDisk } {
    assert(this.store !== undefined && this.process !== undefined, 'disk log not open');
    return { store: this.store, process: this.process };
  }
}
