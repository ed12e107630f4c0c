/**
 * Compaction (etcd's store.Compact + scheduleCompaction). Applying a compaction at revision
 * R is cheap and deterministic: R becomes the compact revision (reads below it fail), the
 * key index drops what no read at or after R can see, and R is recorded as "scheduled" in
 * the meta bucket, all in the apply's transaction. Physically deleting the dropped revisions
 * from the backend is a separate job the driver runs in bounded batches, `step(limit)`, until
 * it reports done; then R is recorded as "finished". No timers: the driver decides when.
 * A restart with scheduled > finished resumes the job (the store re-derives what to keep).
 *
 * Hashes and reads never depend on how far the physical deletion got.
 */
import { assert } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import type { Backend, BackendWrite } from './backend.js';
import { copyBytes } from './bytes.js';
import type { RevisionSet } from './key-index.js';
import type { KvStore } from './kv-store.js';
import { writeMeta } from './meta.js';
import { bytesToRevision, mainRevisionBytes } from './revision.js';

export const compactedMessage = 'mvcc: required revision has been compacted';
export const futureRevisionMessage = 'mvcc: required revision is a future revision';

/** RevisionCompacted when revision <= the compact revision, FutureRevision past current. */
export function checkCompaction(store: KvStore, revision: number): ConcordError | undefined {
  if (revision <= store.compactRevision)
    return new ConcordError('RevisionCompacted', compactedMessage);
  if (revision > store.currentRevision)
    return new ConcordError('FutureRevision', futureRevisionMessage);
  return undefined;
}

interface Job {
  readonly revision: number;
  readonly keep: RevisionSet;
  /** Where the next step starts in the key bucket. */
  cursor: Uint8Array;
}

export class Compactor {
  // Invariant: at most one job; a newer compaction replaces it (it deletes a superset).
  private job: Job | undefined;
  private finished = 0;

  constructor(private readonly backend: Backend) {}

  /** The last revision whose physical compaction completed (0: none). */
  get finishedRevision(): number {
    return this.finished;
  }

  /** Whether physical deletion is still pending. */
  get pending(): boolean {
    return this.job !== undefined;
  }

  /** Applies a checked compaction at `revision` inside the apply's transaction. */
  compact(store: KvStore, tx: BackendWrite, revision: number): void {
    assert(checkCompaction(store, revision) === undefined, 'compaction of an unchecked revision');
    store.setCompactRevision(revision);
    writeMeta(tx, 'scheduledCompactRevision', revision);
    this.schedule(revision, store.index.compact(revision));
  }

  /** Restart: resume the physical part of a compaction that did not finish. */
  resume(revision: number, keep: RevisionSet, finished: number): void {
    this.finished = finished;
    this.schedule(revision, keep);
  }

  /** Restart with nothing pending. */
  setFinished(finished: number): void {
    this.finished = finished;
  }

  /**
   * Deletes up to `limit` compacted revisions from the backend in one transaction. Returns
   * true when nothing is left to do.
   */
  step(limit: number): boolean {
    assert(limit > 0, 'compaction step limit must be positive');
    const job = this.job;
    if (job === undefined) return true;
    const end = mainRevisionBytes(job.revision + 1);
    const doomed: Uint8Array[] = [];
    let last: Uint8Array | undefined;
    let scanned = 0;
    this.backend.scan('key', { start: job.cursor, end, limit }, (key) => {
      scanned++;
      last = key;
      if (!job.keep.has(bytesToRevision(key).revision)) doomed.push(copyBytes(key));
    });
    const done = scanned < limit;
    this.backend.write((tx) => {
      for (const key of doomed) tx.delete('key', key);
      if (done) writeMeta(tx, 'finishedCompactRevision', job.revision);
    });
    if (done) {
      this.finished = job.revision;
      this.job = undefined;
    } else {
      job.cursor = successor(last!);
    }
    return done;
  }

  private schedule(revision: number, keep: RevisionSet): void {
    // A newer compaction keeps a subset of what an older one kept, so restarting the scan
    // from the beginning with the newer set finishes both.
    this.job = { revision, keep, cursor: new Uint8Array(0) };
  }
}

function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}
