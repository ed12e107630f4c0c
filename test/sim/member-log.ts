import type { MemoryStorage } from '../../src/raft/storage.js';
import type { ConfState, Entry, HardState, Snapshot } from '../../src/raft/types.js';
import type { CrashOptions } from './sim-disk.js';

/** How members persist: `memory` (MemoryLog) or `wal` (RaftLogStore over a SimDisk). */
export type LogKind = 'memory' | 'wal';

export const logKinds: readonly LogKind[] = ['memory', 'wal'];

/** One Ready's state to make durable. */
export interface ReadyUpdate {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  /** The Ready's mustSync: a new entry, snapshot, term or vote. */
  readonly mustSync: boolean;
}

/** What a crash does to the medium: see SimDisk.crash. Ignored by the memory log. */
export type CrashDamage = CrashOptions;

/** A kill planned part way through disk work: at the `op`-th disk operation, with `damage`. */
export interface KillPlan {
  readonly op: number;
  readonly damage: CrashDamage;
}

/** What opening the log found. */
export type Recovery =
  /** The first open, or a log that loses nothing by design (memory). */
  | { readonly kind: 'fresh' }
  | {
      readonly kind: 'recovered';
      /** The durable log as it stood when the process died. */
      readonly before: MemoryStorage;
      /** The persist the crash interrupted, if one was under way. */
      readonly inFlight: ReadyUpdate | undefined;
      readonly after: MemoryStorage;
    }
  /** The disk refused to open (ConcordError 'Corrupt'); `damaged` if a crash flipped a bit. */
  | { readonly kind: 'refused'; readonly message: string; readonly damaged: boolean };

/**
 * A simulated member's durable Raft log: what survives its crashes. Two implementations:
 * MemoryLog (a MemoryStorage that is the disk: fast, loses nothing persisted) and DiskLog
 * (production's RaftLogStore over a SimDisk: loses what was not synced, tears writes, and can
 * find garbage in unsynced bytes).
 *
 * Calls never overlap: the member awaits each before the next, as the production driver does.
 */
export interface MemberLog {
  /** What the core and the checkers read: the durable log, changed only by a persist. */
  readonly storage: MemoryStorage;
  /** True while the last crash left flipped bits that the next open has not met yet. */
  readonly damaged: boolean;
  /** Opens the log: at the start, and again after every crash. */
  open(): Promise<Recovery>;
  /**
   * Arms a kill: the process dies at the `op`-th disk operation from now, inside whichever
   * persist or snapshot save gets there (a no-op for the memory log).
   */
  arm(kill: KillPlan): void;
  /** Makes a Ready durable. Resolves false when an armed kill struck during it. */
  persist(update: ReadyUpdate): Promise<boolean>;
  /**
   * Saves a snapshot of the applied state at `index`, then compacts all but `keep` entries.
   * Resolves false when an armed kill struck during it.
   */
  snapshot(index: number, confState: ConfState, data: Uint8Array, keep: number): Promise<boolean>;
  /** The process died (between steps, or at a crash point of the Ready handling). */
  crash(damage: CrashDamage): void;
}
