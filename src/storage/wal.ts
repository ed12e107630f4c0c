/**
 * The write-ahead log: Raft entries, hard states and snapshot markers appended to preallocated
 * segment files (segment.ts), each record framed with its length and CRC32C (record.ts).
 *
 * Durability contract: `save()` resolves only after the fdatasync that covers the batch has
 * completed, so a caller that acknowledges (a follower's MsgAppResp, a vote, a leader counting
 * itself) after `await wal.save(...)` never acknowledges what a crash can lose. Batches saved
 * while a write is in flight are group-committed: one write and one fdatasync for all of them.
 *
 * Failure: after any failed write, fdatasync or segment cut the WAL is failed for good: every
 * later `save()` rejects with the same error until the WAL is reopened. Retrying an fdatasync
 * after a failure can report success for data the kernel already dropped ("fsyncgate"), and a
 * half-written batch must never be followed by records that would make recovery believe it:
 * reopening reads the disk afresh, and whatever is not a whole valid record is torn tail.
 *
 * Cutting: the next segment file is prepared (preallocated, synced) in the background ahead
 * of need (segment-pipeline.ts), so a cut costs a header write, a rename and two syncs, not a
 * zero-fill of `segmentBytes` on the write path.
 *
 * Ownership: the WAL owns its directory (`<data-dir>/member/wal`); nothing else writes there.
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { transientBytes } from '../base/byte-codec.js';
import { ConcordError } from '../base/errors.js';
import { failpoint } from '../base/failpoints.js';
import { MiB } from '../base/limits.js';
import { joinPath } from '../env/disk.js';
import type { Disk, DiskFile } from '../env/disk.js';
import type { Entry, HardState } from '../raft/types.js';
import { emptyHardState } from '../raft/types.js';
import { ioError, stderrLog } from './storage-errors.js';
import type { LogFn } from './storage-errors.js';
import { encodeRecords } from './wal-record.js';
import type { WalRecord } from './wal-record.js';
import { installSegment, readSegments } from './wal-segments.js';
import { SegmentPipeline } from './segment-pipeline.js';
import type { SegmentName } from './segment.js';
import { segmentFileName } from './segment.js';

export interface WalOptions {
  /** Bytes preallocated per segment; a segment is cut when the next batch would not fit. */
  segmentBytes?: number;
  /** Where recovery and purge report what they did (default: stderr). */
  log?: LogFn;
  /** Told how long each fdatasync took, in seconds (for metrics and slow-disk warnings). */
  onFsync?: (seconds: number) => void;
}

/** Wal.inlineSync holds only while fsyncs average less than this. */
export const inlineSyncMaxMs = 2;

/** etcd's SegmentSizeBytes. */
export const defaultSegmentBytes = 64 * MiB;

/** One Ready's worth of durable state. Written in the order snapshot, entries, hard state. */
export interface WalBatch {
  /** A snapshot at this index and term was saved; entries up to it need no replay. */
  readonly snapshot?: { readonly index: number; readonly term: number };
  /** Entries to append; one at or below the last index replaces it and all after it. */
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
}

/** A record read back at open, with where it was (for error messages). */
export interface ReplayedRecord {
  readonly record: WalRecord;
  readonly path: string;
  readonly offset: number;
}

interface Pending {
  readonly bytes: Uint8Array;
  readonly batch: WalBatch;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class Wal {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: ConcordError | undefined;

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly log: LogFn,
    private readonly pipeline: SegmentPipeline,
    // Invariant: segments[i].seq === segments[0].seq + i; the last one is open in `file`.
    private readonly segments: SegmentName[],
    private file: DiskFile,
    // Invariant: position is 8-aligned and everything before it is synced, valid records.
    private position: number,
    // The last entry index and hard state written, for the preamble of the next segment.
    private lastIndex: number,
    private hardState: HardState,
  ) {
    this.segmentStart = position;
  }

  // Where the current segment's records (after header and preamble) start.
  private segmentStart: number;
  /**
   * Sync on the calling thread when the Disk can (DiskFile.fdatasyncNow): a caller that has
   * little else to do meanwhile (a follower, whose ack waits for the fsync; a leader with a
   * lone write) saves a thread-pool round trip on the write's path. Off by default: a busy
   * leader keeps the thread for its clients. Only while the disk is fast (recent fsyncs
   * average under inlineSyncMaxMs): a slow one would freeze the member's other work (reads,
   * heartbeats) for as long as each sync takes.
   */
  inlineSync = false;
  // A moving average of fsync durations, in ms (each new one weighs 1/8).
  private fsyncAverageMs = 0;
  private onFsync: (seconds: number) => void = () => undefined;

  /**
   * Opens the WAL in `dir` (creating it, and a first segment, when there is none), replays
   * every record, truncates a torn tail of the last segment (logging it), and returns the
   * records in the order written.
   *
   * Errors: ConcordError 'Corrupt' (damage that is not a torn tail: the message names the
   * file, the offset and how to recover), 'NoSpace' or 'Io'.
   */
  static async open(
    disk: Disk,
    dir: string,
    options: WalOptions = {},
  ): Promise<{ wal: Wal; records: ReplayedRecord[] }> {
    const segmentBytes = options.segmentBytes ?? defaultSegmentBytes;
    const log = options.log ?? stderrLog;
    assertSafeInteger(segmentBytes, 'segmentBytes');
    const found = await readSegments(disk, dir, { segmentBytes, log });
    let lastIndex = 0;
    let hardState = emptyHardState;
    for (const { record } of found.records) {
      if (record.type === 'entry') lastIndex = record.entry.index;
      else if (record.type === 'hardState') hardState = record.hardState;
      else lastIndex = Math.max(lastIndex, record.index);
    }
    let segments = found.segments;
    let file = found.file;
    let position = found.end;
    const pipeline = new SegmentPipeline(disk, dir, segmentBytes, log);
    if (file === undefined) {
      const name = { seq: 0, index: lastIndex + 1 };
      const prepared = await pipeline.take().catch((error: unknown) => {
        throw ioError(error, `create ${joinPath(dir, segmentFileName(name))}`);
      });
      ({ file, end: position } = await installSegment(disk, dir, prepared, { name }));
      segments = [name];
    }
    pipeline.start();
    const wal = new Wal(
      disk,
      dir,
      segmentBytes,
      log,
      pipeline,
      segments,
      file,
      position,
      lastIndex,
      hardState,
    );
    if (options.onFsync !== undefined) wal.onFsync = options.onFsync;
    return { wal, records: found.records };
  }

  /**
   * Appends the batch durably. Resolves only after the fdatasync that covers it: acknowledge
   * nothing that depends on the batch before then.
   *
   * Errors: ConcordError 'NoSpace' or 'Io' (the WAL is then failed; reopen it), or the same
   * error as an earlier failure.
   */
  save(batch: WalBatch): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const records = batchRecords(batch);
    if (records.length === 0) return Promise.resolve();
    const bytes = encodeRecords(records);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, batch, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Removes the oldest segments whose entries are all at or below `index` (covered by a
   * snapshot), keeping at least `keepSegments` segments. Never removes the segment in use.
   * Returns how many were removed.
   */
  async purge(index: number, keepSegments = 1): Promise<number> {
    let removed = 0;
    // Segment k holds only entries below segment k+1's first index.
    while (
      this.segments.length > Math.max(1, keepSegments) &&
      this.segments[1]!.index - 1 <= index
    ) {
      const name = this.segments[0]!;
      const path = joinPath(this.dir, segmentFileName(name));
      try {
        await this.disk.unlink(path);
      } catch (error) {
        throw ioError(error, `purge ${path}`);
      }
      // Oldest first, so a crash mid-purge leaves consecutive segments.
      this.segments.shift();
      removed++;
    }
    if (removed > 0) {
      await this.disk.fsyncDir(this.dir).catch((error: unknown) => {
        throw ioError(error, `fsync ${this.dir}`);
      });
      this.log(`wal: purged ${removed} segment(s) covered by the snapshot at ${index}`, {
        dir: this.dir,
        index,
      });
    }
    return removed;
  }

  /** The error that failed the WAL, if one did. */
  failed(): ConcordError | undefined {
    return this.failure;
  }

  /** Segment names, oldest first (for tests and metrics). */
  segmentNames(): string[] {
    return this.segments.map(segmentFileName);
  }

  /**
   * Whether the next segment is being prepared in the background (for benchmarks, which
   * charge that work to the WAL, and tests).
   */
  preparing(): boolean {
    return this.pipeline.preparing();
  }

  /** Resolves once no background preparation of a segment is running. */
  whenPrepared(): Promise<void> {
    return this.pipeline.settled();
  }

  /** Waits for saves in flight, then closes. Later saves reject with 'Stopped'. */
  async close(): Promise<void> {
    await this.flushing;
    this.failure ??= new ConcordError('Stopped', 'the WAL is closed');
    await this.pipeline.close();
    await this.file.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.append(concat(group.map((p) => p.bytes)));
      } catch (error) {
        this.failure = ioError(error, `append to ${this.currentPath()}`);
        this.log(`wal: failed; refusing appends until reopened: ${this.failure.message}`);
        for (const p of [...group, ...this.queue]) p.reject(this.failure);
        this.queue = [];
        break;
      }
      for (const p of group) this.noteSaved(p.batch);
      for (const p of group) p.resolve();
    }
    this.flushing = undefined;
  }

  private async append(bytes: Uint8Array): Promise<void> {
    // Cut when the batch would overflow the preallocation, unless the segment holds nothing
    // but its preamble (a batch larger than a segment then simply grows it).
    if (this.position + bytes.length > this.segmentBytes && this.position > this.segmentStart) {
      await this.cut();
    }
    await this.file.write(bytes, this.position);
    failpoint('raftBeforeSave');
    const start = performance.now();
    const inline = this.inlineSync && this.fsyncAverageMs < inlineSyncMaxMs;
    if (inline && this.file.fdatasyncNow !== undefined) this.file.fdatasyncNow();
    else await this.file.fdatasync();
    const ms = performance.now() - start;
    this.fsyncAverageMs += (ms - this.fsyncAverageMs) / 8;
    this.onFsync(ms / 1000);
    failpoint('raftAfterSave');
    this.position += bytes.length;
  }

  private async cut(): Promise<void> {
    const last = this.segments[this.segments.length - 1]!;
    const name = { seq: last.seq + 1, index: this.lastIndex + 1 };
    const path = joinPath(this.dir, segmentFileName(name));
    const prepared = await this.pipeline.take().catch((error: unknown) => {
      throw ioError(error, `create ${path}`);
    });
    const next = await installSegment(this.disk, this.dir, prepared, {
      name,
      hardState: this.hardState,
    });
    await this.file.close().catch(() => undefined);
    this.file = next.file;
    this.position = next.end;
    this.segmentStart = next.end;
    this.segments.push(name);
    // Only now, so the next preparation does not compete with this cut for the disk.
    this.pipeline.start();
  }

  private noteSaved(batch: WalBatch): void {
    if (batch.snapshot !== undefined) {
      this.lastIndex = Math.max(this.lastIndex, batch.snapshot.index);
    }
    const entries = batch.entries ?? [];
    if (entries.length > 0) this.lastIndex = entries[entries.length - 1]!.index;
    if (batch.hardState !== undefined) this.hardState = batch.hardState;
  }

  private currentPath(): string {
    return joinPath(this.dir, segmentFileName(this.segments[this.segments.length - 1]!));
  }
}

/** A batch as records, in the order that keeps every prefix consistent on replay. */
export function batchRecords(batch: WalBatch): WalRecord[] {
  const records: WalRecord[] = [];
  const snap = batch.snapshot;
  if (snap !== undefined) records.push({ type: 'snapshot', index: snap.index, term: snap.term });
  // Entries before the hard state: a torn batch then never leaves a commit index pointing
  // past the entries that made it to disk.
  for (const entry of batch.entries ?? []) {
    assert(
      entry.index > 0 && entry.term > 0,
      () => `entry ${entry.index}/${entry.term} is not storable`,
    );
    records.push({ type: 'entry', entry });
  }
  if (batch.hardState !== undefined && !isEmptyHardState(batch.hardState)) {
    records.push({ type: 'hardState', hardState: batch.hardState });
  }
  return records;
}

function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === 0n && hs.commit === 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = transientBytes(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
