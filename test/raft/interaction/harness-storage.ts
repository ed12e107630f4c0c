import { MemoryStorage } from '../../../src/raft/storage.js';
import type { ConfState, Snapshot } from '../../../src/raft/types.js';

/** The application state a snapshot would capture: the applied index and configuration. */
export interface AppliedState {
  readonly applied: number;
  readonly confState: ConfState;
}

/**
 * MemoryStorage whose `snapshot()` is always current, as etcd-io/raft's interaction env
 * does it: when the application has applied past the stored snapshot, asking for one makes
 * a new one at the applied index (with the configuration in force there). A real member
 * snapshots periodically; here a leader that needs to send one always finds a usable one.
 */
export class HarnessStorage extends MemoryStorage {
  constructor(
    confState: ConfState,
    private readonly appliedState: () => AppliedState | undefined,
  ) {
    super(confState);
  }

  /** The snapshot last stored, without making a new one. */
  storedSnapshot(): Snapshot {
    return super.snapshot();
  }

  override snapshot(): Snapshot {
    const current = super.snapshot();
    const state = this.appliedState();
    if (state === undefined || state.applied <= current.metadata.index) return current;
    return this.createSnapshot(state.applied, state.confState, snapshotData(state.applied));
  }
}

export function snapshotData(applied: number): Uint8Array {
  return new TextEncoder().encode(`state@${applied}`);
}
