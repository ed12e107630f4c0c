/**
 * Prepares the WAL's next segment file ahead of need, as etcd's filePipeline does: a temporary
 * file is created, preallocated (64 MiB of zeros by default) and synced in the background while
 * the WAL appends to the current segment, so a cut only writes the new segment's header,
 * renames the file into place and syncs the directory, instead of zero-filling on the write
 * path where every save waiting behind the cut would pay for it.
 *
 * Crash safety: a prepared file is named `prepared-<n>.wal.tmp`. Nothing relies on it until a
 * cut has written its header, synced it, renamed it and synced the directory, so a crash
 * before that leaves only a `.tmp` file, which the next open removes (wal-segments.ts).
 *
 * Failure: a failed preparation (ENOSPC, EIO, a dead process's EBADF) is never a crash and
 * never an unhandled rejection; it is kept until the next cut, which retries once inline
 * (space may have been freed since) and otherwise fails with that error.
 */
import { joinPath } from '../env/disk.js';
import type { Disk, DiskFile } from '../env/disk.js';
import type { LogFn } from './storage-errors.js';

/** A preallocated, synced file under a temporary name, not yet a segment. */
export interface PreparedFile {
  readonly file: DiskFile;
  readonly path: string;
}

type Outcome = { readonly prepared: PreparedFile } | { readonly error: unknown };

export class SegmentPipeline {
  // Invariant: at most one preparation is under way or waiting to be taken.
  private next: Promise<Outcome> | undefined;
  private count = 0;
  private underWay = false;

  constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly log: LogFn,
  ) {}

  /** Starts preparing a file in the background, unless one is under way or ready. */
  start(): void {
    if (this.next !== undefined) return;
    this.underWay = true;
    this.next = this.prepare().then(
      (prepared) => ({ prepared }),
      (error: unknown) => ({ error }),
    );
    void this.next.then(() => (this.underWay = false));
  }

  /** Whether a background preparation is still running (for benchmarks and tests). */
  preparing(): boolean {
    return this.underWay;
  }

  /** Resolves once no background preparation is running (it may have failed). */
  async settled(): Promise<void> {
    await this.next;
  }

  /**
   * The prepared file, waiting for its preparation to finish. When that failed, prepares one
   * inline; if that fails too, rejects with the Disk's error. The caller owns the file and
   * calls `start()` once it is done with the disk.
   */
  async take(): Promise<PreparedFile> {
    const outcome = await (this.next ?? this.prepare().then((prepared) => ({ prepared })));
    this.next = undefined;
    if ('prepared' in outcome) return outcome.prepared;
    const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    this.log(`wal: preparing the next segment failed (${reason}); retrying at the cut`, {
      dir: this.dir,
      reason,
    });
    return this.prepare();
  }

  /** Waits for a preparation under way, then closes and removes its file (best effort). */
  async close(): Promise<void> {
    const outcome = await this.next;
    this.next = undefined;
    if (outcome === undefined || !('prepared' in outcome)) return;
    await outcome.prepared.file.close().catch(() => undefined);
    await this.disk.unlink(outcome.prepared.path).catch(() => undefined);
  }

  private async prepare(): Promise<PreparedFile> {
    const path = joinPath(this.dir, `prepared-${this.count++}.wal.tmp`);
    let file: DiskFile | undefined;
    try {
      file = await this.disk.open(path, 'create');
      await file.preallocate(this.segmentBytes);
      await file.fdatasync();
      return { file, path };
    } catch (error) {
      // A partial file may hold space a full disk needs; it was never anything but zeros.
      await file?.close().catch(() => undefined);
      if (file !== undefined) await this.disk.unlink(path).catch(() => undefined);
      throw error;
    }
  }
}
