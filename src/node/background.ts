import { isConcordError } from '../base/errors.js';
import { failpoint } from '../base/failpoints.js';
import type { Member } from './member.js';
import { memberDefaults } from './member-options.js';
import { encodeSnapshotData } from './snapshot-data.js';

/**
 * A member's periodic work, in bounded steps so no step holds the event loop for long:
 * the leader's lease expiry and checkpoints, physical compaction, watch catch-up, and Raft
 * snapshots (which let the WAL be purged).
 */
export class Background {
  private stops: (() => void)[] = [];
  private stepScheduled = false;
  private watchSyncScheduled = false;
  private appliedSinceSnapshot = 0;
  private snapshotting = false;
  private compactionWaiters: { revision: number; resolve: () => void }[] = [];

  constructor(
    private readonly member: Member,
    private readonly options: { readonly leaseCheckpointMs: number },
  ) {}

  start(): void {
    const { clock } = this.member.options;
    this.stops.push(clock.every(memberDefaults.leaseCheckMs, () => this.checkLeases()));
    this.stops.push(clock.every(this.options.leaseCheckpointMs, () => this.checkpointLeases()));
    this.stops.push(clock.every(memberDefaults.backgroundStepMs, () => this.step()));
    this.wake();
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  /** Something may need a step soon (a new watcher, a conf change). */
  wake(): void {
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    setImmediate(() => {
      this.stepScheduled = false;
      this.step();
    });
  }

  /**
   * A watch consumer has room again: deliver what the hub holds back for it soon (one catch-up
   * round per event-loop turn however many ask), without the rest of a step.
   */
  wakeWatchers(): void {
    if (this.watchSyncScheduled) return;
    this.watchSyncScheduled = true;
    setImmediate(() => {
      this.watchSyncScheduled = false;
      // Whoever is still behind is retried by the step (or asks again when it has room).
      this.member.stateMachine.syncWatchers(memberDefaults.watchSyncBatch);
    });
  }

  noteApplied(): void {
    this.appliedSinceSnapshot++;
    if (this.appliedSinceSnapshot >= this.member.options.snapshotCount) this.wake();
  }

  /** Resolves once compaction up to `revision` is physically done. */
  physicalCompaction(revision: number): Promise<void> {
    if (this.member.stateMachine.finishedCompactRevision >= revision) return Promise.resolve();
    this.wake();
    return new Promise((resolve) => this.compactionWaiters.push({ revision, resolve }));
  }

  private step(): void {
    const { stateMachine } = this.member;
    this.member.campaignIfAlone();
    this.member.membership.publishAttributes();
    try {
      const compacting = stateMachine.compactRevision > stateMachine.finishedCompactRevision;
      if (compacting) failpoint('compactBeforeStep');
      const done = stateMachine.compactStep(memberDefaults.compactionBatch);
      if (compacting) failpoint('compactAfterStep');
      if (done) this.releaseCompactionWaiters();
      const behind = stateMachine.syncWatchers(memberDefaults.watchSyncBatch);
      if (!done || behind > 0) this.wake();
    } catch (error) {
      if (!isConcordError(error)) throw error;
    }
    if (this.appliedSinceSnapshot >= this.member.options.snapshotCount) void this.snapshot();
  }

  private releaseCompactionWaiters(): void {
    const finished = this.member.stateMachine.finishedCompactRevision;
    const ready = this.compactionWaiters.filter((w) => w.revision <= finished);
    this.compactionWaiters = this.compactionWaiters.filter((w) => w.revision > finished);
    for (const w of ready) w.resolve();
  }

  private checkLeases(): void {
    const { deadlines, options } = this.member;
    if (!deadlines.isLeading) return;
    for (const id of deadlines.expired(options.clock.now(), memberDefaults.leaseRevokesPerCheck)) {
      // Stop counting it, so a slow revoke is not proposed again every check.
      deadlines.revoked(id);
      this.member.counters.leasesExpired++;
      this.member.propose({ type: 'leaseRevoke', request: { id } }).catch(() => {
        // Not committed (leadership lost, or shutting down): the next leader expires it.
      });
    }
  }

  private checkpointLeases(): void {
    const { deadlines, options } = this.member;
    if (!deadlines.isLeading) return;
    const checkpoints = deadlines.checkpoints(options.clock.now(), 1000);
    if (checkpoints.length === 0) return;
    this.member.propose({ type: 'leaseCheckpoint', request: { checkpoints } }).catch(() => {
      // A lost checkpoint only means a new leader waits longer: deadlines err late.
    });
  }

  /**
   * A Raft snapshot at the applied index: the backend is synced first (it holds the state the
   * snapshot stands for), then the snapshot is saved and the WAL and in-memory log behind it
   * are released, keeping catchUpEntries for slow followers.
   */
  private async snapshot(): Promise<void> {
    if (this.snapshotting) return;
    this.snapshotting = true;
    this.appliedSinceSnapshot = 0;
    const { store, stateMachine, raw, options } = this.member;
    try {
      const index = stateMachine.appliedIndex;
      const storage = store.storage;
      if (index <= storage.snapshot().metadata.index || index > storage.lastIndex()) return;
      await stateMachine.backend.sync();
      const data = encodeSnapshotData({
        members: [...this.member.members.values()],
        removed: [...this.member.removedMembers],
      });
      const snapshot = storage.createSnapshot(index, raw.raft.tracker.confState(), data);
      await store.saveSnapshot(snapshot);
      const keep = options.catchUpEntries ?? memberDefaults.catchUpEntries;
      const compactIndex = index - keep;
      if (compactIndex >= storage.firstIndex()) storage.compact(compactIndex);
    } catch (error) {
      if (!isConcordError(error)) throw error;
    } finally {
      this.snapshotting = false;
    }
  }
}
