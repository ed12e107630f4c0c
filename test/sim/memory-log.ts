import { MemoryStorage } from '../../src/raft/storage.js';
import type { ConfState } from '../../src/raft/types.js';
import type { MemberLog, ReadyUpdate, Recovery } from './member-log.js';

/**
 * The fast member log: a MemoryStorage that is the member's disk. It changes only in the
 * persist step and survives every crash whole, so a crash loses exactly what was not yet
 * persisted. Every hard state is written, commit-only ones included.
 */
export class MemoryLog implements MemberLog {
  readonly storage = new MemoryStorage();
  readonly damaged = false;

  async open(): Promise<Recovery> {
    return { kind: 'fresh' };
  }

  arm(): void {}

  async persist(update: ReadyUpdate): Promise<boolean> {
    if (update.hardState !== undefined) this.storage.setHardState(update.hardState);
    if (update.snapshot !== undefined) this.storage.applySnapshot(update.snapshot);
    this.storage.append(update.entries);
    return true;
  }

  async snapshot(
    index: number,
    confState: ConfState,
    data: Uint8Array,
    keep: number,
  ): Promise<boolean> {
    this.storage.createSnapshot(index, confState, data);
    compactBehind(this.storage, index, keep);
    return true;
  }

  crash(): void {}
}

/** Discards the entries up to `index - keep`, if any are left there. */
export function compactBehind(storage: MemoryStorage, index: number, keep: number): void {
  const compactIndex = index - keep;
  if (compactIndex >= storage.firstIndex()) storage.compact(compactIndex);
}
