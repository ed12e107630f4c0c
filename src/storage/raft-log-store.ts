/**
 * The durable Raft log: the WAL and the snapshot files under `<data-dir>/member`, with a
 * MemoryStorage in front of them that the Raft core reads.
 *
 * The driver's part, for each Ready, in this order:
 *   await store.persist({ hardState, entries, snapshot });  // one WAL fdatasync
 *   ...then send the messages that must wait for it, apply, advance.
 * `persist()` resolves only after everything in it is durable, and only then updates the
 * MemoryStorage; calls must not overlap (await each before the next, as the Ready loop does).
 *
 * @example
 * const store = await RaftLogStore.open(new RealDisk(), '/var/lib/concord');
 * const raft = new RawNode({ storage: store.storage, ... });
 */
import { assert } from '../base/assert.js';
import { joinPath } from '../env/disk.js';
import type { Disk } from '../env/disk.js';
import { MemoryStorage } from '../raft/storage.js';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { emptyHardState } from '../raft/types.js';
import { Snapshotter } from './snapshotter.js';
import { corruptError, stderrLog } from './storage-errors.js';
import type { LogFn } from './storage-errors.js';
import { Wal } from './wal.js';
import type { ReplayedRecord } from './wal.js';

export interface RaftLogStoreOptions {
  /** Bytes preallocated per WAL segment (default 64 MiB). */
  segmentBytes?: number;
  /** Snapshot files kept (etcd's --max-snapshots: 5). */
  snapshotsKeep?: number;
  /** WAL segments kept at least, even when a snapshot covers them (etcd's --max-wals: 5). */
  segmentsKeep?: number;
  log?: LogFn;
  /** Told how long each WAL fdatasync took, in seconds. */
  onFsync?: (seconds: number) => void;
}

export interface PersistUpdate {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader; it replaces the log. */
  readonly snapshot?: Snapshot;
}

export class RaftLogStore {
  private persisting = false;

  private constructor(
    /** What the Raft core reads. Updated only after the data is durable. */
    readonly storage: MemoryStorage,
    private readonly wal: Wal,
    private readonly snapshotter: Snapshotter,
    private readonly snapshotsKeep: number,
    private readonly segmentsKeep: number,
  ) {}

  /**
   * Opens the member's storage under `dataDir` (creating it when empty): loads the newest
   * intact snapshot the hard state covers, then replays the WAL after it.
   *
   * Errors: ConcordError 'Corrupt' (the message names the file, the offset and how to
   * recover), 'NoSpace' or 'Io'.
   */
  static async open(
    disk: Disk,
    dataDir: string,
    options: RaftLogStoreOptions = {},
  ): Promise<RaftLogStore> {
    const log = options.log ?? stderrLog;
    const walDir = joinPath(dataDir, 'member', 'wal');
    const snapshotter = await Snapshotter.open(disk, joinPath(dataDir, 'member', 'snap'), { log });
    const { wal, records } = await Wal.open(disk, walDir, { ...options, log });
    let storage: MemoryStorage;
    try {
      storage = await recover(snapshotter, records, walDir);
    } catch (error) {
      await wal.close();
      throw error;
    }
    return new RaftLogStore(
      storage,
      wal,
      snapshotter,
      options.snapshotsKeep ?? 5,
      options.segmentsKeep ?? 5,
    );
  }

  /** The durable hard state. */
  get hardState(): HardState {
    return this.storage.initialState().hardState;
  }

  /**
   * Makes one Ready's state durable (a received snapshot's file first, then one WAL batch
   * and one fdatasync), then updates `storage`. Nothing in the update may be acknowledged
   * before this resolves.
   *
   * Errors: ConcordError 'NoSpace' or 'Io'; the store then refuses further persists until
   * reopened.
   */
  async persist(update: PersistUpdate): Promise<void> {
    assert(!this.persisting, 'persist() calls must not overlap: await each one');
    this.persisting = true;
    try {
      const { snapshot, entries, hardState } = update;
      if (snapshot !== undefined) await this.snapshotter.save(snapshot);
      await this.wal.save({ snapshot: snapshot?.metadata, entries, hardState });
      if (snapshot !== undefined) this.storage.applySnapshot(snapshot);
      this.storage.append(entries);
      if (hardState !== undefined) this.storage.setHardState(hardState);
    } finally {
      this.persisting = false;
    }
  }

  /**
   * Saves a snapshot the application made of its applied state (from
   * `storage.createSnapshot`), then removes snapshots beyond `snapshotsKeep` and the WAL
   * segments the oldest kept snapshot covers. Compacting the in-memory log is the caller's
   * choice (`storage.compact`), as it decides how far behind followers may be served.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.snapshotter.save(snapshot);
    await this.wal.save({ snapshot: snapshot.metadata });
    const oldestKept = await this.snapshotter.purge(this.snapshotsKeep);
    if (oldestKept !== undefined) await this.wal.purge(oldestKept, this.segmentsKeep);
  }

  /** Whether the WAL syncs on the calling thread (see Wal.inlineSync). */
  set inlineSync(inline: boolean) {
    this.wal.inlineSync = inline;
  }

  /** WAL segment names, oldest first (for tests and metrics). */
  segmentNames(): string[] {
    return this.wal.segmentNames();
  }

  async close(): Promise<void> {
    await this.wal.close();
  }
}

/**
 * Rebuilds the in-memory log: the newest intact snapshot the hard state covers, then the
 * WAL's entries after it, then the hard state.
 */
async function recover(
  snapshotter: Snapshotter,
  records: readonly ReplayedRecord[],
  walDir: string,
): Promise<MemoryStorage> {
  let hardState = emptyHardState;
  const marked = new Set<string>();
  for (const { record } of records) {
    if (record.type === 'hardState') hardState = record.hardState;
    else if (record.type === 'snapshot') marked.add(`${record.index}:${record.term}`);
  }
  // A snapshot file whose index the durable commit does not reach was saved by a persist
  // that did not finish; using it would put the log ahead of the hard state. Unless the WAL
  // holds its marker: that is written only once the file is durable, and a snapshot holds
  // only committed entries, so it proves the commit even where no hard state recorded it
  // (the driver does not write commit-only hard states, so the durable commit can lag far
  // behind the applied index that the application snapshots).
  const snapshot = await snapshotter.loadNewest(
    (info) => info.index <= hardState.commit || marked.has(`${info.index}:${info.term}`),
  );
  if (snapshot !== undefined && snapshot.metadata.index > hardState.commit) {
    hardState = { ...hardState, commit: snapshot.metadata.index };
  }
  const storage = replayEntries(snapshot, records);
  if (hardState.commit > storage.lastIndex()) {
    throw corruptError(
      walDir,
      0,
      `the hard state's commit index ${hardState.commit} is beyond the last entry ` +
        `${storage.lastIndex()}: committed entries are missing`,
    );
  }
  storage.setHardState(hardState);
  return storage;
}

/**
 * Replays the WAL after the snapshot, in the order written, so that the log ends as it was
 * on disk. A later entry at or below the last index was written by a newer leader: it
 * replaces the old one and everything after it, also when the snapshot covers it (then every
 * entry after the snapshot goes). A snapshot marker that does not match the log at its index
 * is a snapshot installed from the leader: it replaced the whole log. An entry beyond the
 * last index + 1 means entries are missing: corruption.
 */
function replayEntries(
  snapshot: Snapshot | undefined,
  records: readonly ReplayedRecord[],
): MemoryStorage {
  const fresh = (): MemoryStorage => {
    const storage = new MemoryStorage();
    if (snapshot !== undefined) storage.applySnapshot(snapshot);
    return storage;
  };
  let storage = fresh();
  const base = storage.firstIndex() - 1; // the snapshot's index (0 without one)
  // The term the WAL last wrote at `base`, which the snapshot hides (undefined: unknown).
  let baseTerm: number | undefined;
  let firstAfterSnapshot: { path: string; offset: number } | undefined;
  for (const { record, path, offset } of records) {
    if (record.type === 'snapshot') {
      const { index, term } = record;
      if (index < base) continue; // older than the snapshot loaded
      const logTerm =
        index === base ? baseTerm : index <= storage.lastIndex() ? storage.term(index) : undefined;
      if (logTerm === term || (index === base && logTerm === undefined)) continue;
      // A snapshot installed from the leader: it replaced the whole log.
      storage = fresh();
      if (index === base) baseTerm = term;
      continue;
    }
    if (record.type !== 'entry') continue;
    const { entry } = record;
    if (entry.index <= base) {
      // Covered by the snapshot; if entries after the snapshot were replayed, this newer
      // leader's entry replaced them.
      if (storage.lastIndex() > base) storage = fresh();
      baseTerm = entry.index === base ? entry.term : undefined;
      continue;
    }
    const last = storage.lastIndex();
    if (entry.index > last + 1) {
      throw corruptError(
        path,
        offset,
        `entry ${entry.index} follows entry ${last}: entries are missing ` +
          '(a WAL segment or the snapshot that covered them is gone or damaged)',
      );
    }
    // Against the snapshot's term only once the replay is over: entries written before the
    // snapshot's own entries may sit after it until a newer leader's entry replaces them.
    if (entry.index > storage.firstIndex() && entry.term < storage.term(entry.index - 1)) {
      throw corruptError(
        path,
        offset,
        `entry ${entry.index} has a term lower than the entry before it`,
      );
    }
    if (entry.index === storage.firstIndex()) firstAfterSnapshot = { path, offset };
    storage.append([entry]);
  }
  const first = storage.firstIndex();
  if (first <= storage.lastIndex() && storage.term(first) < storage.term(first - 1)) {
    throw corruptError(
      firstAfterSnapshot?.path ?? '(wal)',
      firstAfterSnapshot?.offset ?? 0,
      `entry ${first} has a term lower than the snapshot before it`,
    );
  }
  return storage;
}
