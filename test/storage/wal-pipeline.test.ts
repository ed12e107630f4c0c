// The next segment is prepared ahead of need (segment-pipeline.ts): a cut takes a ready file
// instead of zero-filling one on the write path; a prepared file left by a crash is removed at
// open; a failed preparation surfaces at the cut as the WAL's error, or is retried there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import type { Disk, DiskFile, OpenMode } from '../../src/env/disk.js';
import { Wal } from '../../src/storage/wal.js';
import type { ReplayedRecord } from '../../src/storage/wal.js';
import { captureLog, entries, entry, fixtures, simFixture } from './fixtures.js';

const segmentBytes = 1024;

function indexes(records: readonly ReplayedRecord[]): number[] {
  return records.flatMap(({ record }) => (record.type === 'entry' ? [record.entry.index] : []));
}

/** Saves one entry at a time from `from` until the WAL has `segments` segments. */
async function saveUntil(wal: Wal, from: number, segments: number): Promise<number> {
  let index = from;
  while (wal.segmentNames().length < segments) {
    await wal.save({ entries: [entry(index)] });
    index++;
  }
  return index;
}

for (const { name: diskName, make } of fixtures) {
  describe(`Wal segment pipeline on the ${diskName}`, () => {
    it('leaves nothing but segments after close, and replays across the cuts', async () => {
      const f = make();
      const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      const last = await saveUntil(wal, 1, 4);
      await wal.close();
      assert.deepEqual(
        (await f.disk.readdir(f.dir)).filter((n) => !n.endsWith('.wal')),
        [],
        'nothing but segments is left',
      );
      const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      assert.deepEqual(
        indexes(again.records),
        entries(1, last - 1).map((e) => e.index),
      );
      await again.wal.close();
      f.cleanup();
    });
  });
}

describe('Wal segment pipeline', () => {
  it('removes a prepared file that a killed process left, at open', async () => {
    const f = simFixture();
    const first = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    const next = await saveUntil(first.wal, 1, 2);
    // The sim disk answers within microtasks: once they have run, the background preparation
    // is done. The WAL is then abandoned without close, as a killed process leaves it.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok((await f.disk.readdir(f.dir)).some((n) => n.endsWith('.tmp')));
    const { lines, log } = captureLog();
    const second = await Wal.open(f.disk, f.dir, { segmentBytes, log });
    assert.ok(
      lines.some((l) => /removing prepared-\d+\.wal\.tmp, a segment file never put in use/.test(l)),
      lines.join('\n'),
    );
    assert.deepEqual(
      indexes(second.records),
      entries(1, next - 1).map((e) => e.index),
    );
    await second.wal.close();
  });

  it('cuts without waiting for a preallocation', async () => {
    const f = simFixture();
    const gated = new GatedDisk(f.disk, 2);
    const { wal } = await Wal.open(gated, f.dir, { segmentBytes, log: () => {} });
    // The first segment was prepared inline at open, the second in the background; every
    // later preallocation hangs until released. The first cut must not need one.
    const next = await saveUntil(wal, 1, 2);
    assert.equal(gated.preallocations, 3, 'the third segment is being prepared');
    // The second cut waits for that preparation, and completes once it does.
    const saving = saveUntil(wal, next, 3);
    gated.release();
    const last = await saving;
    await wal.close();
    const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    assert.deepEqual(
      indexes(again.records),
      entries(1, last - 1).map((e) => e.index),
    );
    await again.wal.close();
  });

  it('retries a preparation that failed for lack of space at the cut', async () => {
    const f = simFixture();
    const { lines, log } = captureLog();
    const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log });
    await wal.save({ entries: [entry(1)] });
    f.sim.spaceBytes = f.sim.usedBytes() + 100; // the prepared file fits; no further one
    const next = await saveUntil(wal, 2, 2);
    f.sim.spaceBytes = Number.MAX_SAFE_INTEGER; // space freed before the next cut
    const last = await saveUntil(wal, next, 3);
    assert.ok(
      lines.some((l) => l.includes('preparing the next segment failed') && l.includes('ENOSPC')),
      lines.join('\n'),
    );
    assert.equal(wal.failed(), undefined);
    await wal.close();
    const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    assert.deepEqual(
      indexes(again.records),
      entries(1, last - 1).map((e) => e.index),
    );
  });

  it('fails with NoSpace at the cut when no segment can be prepared, without a crash', async () => {
    const f = simFixture();
    const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    await wal.save({ entries: [entry(1)] });
    f.sim.spaceBytes = f.sim.usedBytes() + 100;
    const next = await saveUntil(wal, 2, 2);
    // Fill the second segment: the save that needs a third must fail, and only that one.
    const error = await saveUntil(wal, next, 3).catch((e: unknown) => e);
    assert.ok(isConcordError(error, 'NoSpace'), `expected NoSpace, got ${String(error)}`);
    assert.match(error.message, /no space left on device: create .*0000000000000002-.*\.wal/);
    assert.equal(wal.failed(), error);
    await wal.close();
  });
});

/** Lets the first `free` preallocations through; the rest wait for `release()`. */
class GatedDisk implements Disk {
  preallocations = 0;
  private opened: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  constructor(
    private readonly inner: Disk,
    private readonly free: number,
  ) {}

  release(): void {
    this.opened();
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    const file = await this.inner.open(path, mode);
    const preallocate = async (size: number): Promise<void> => {
      if (++this.preallocations > this.free) await this.gate;
      await file.preallocate(size);
    };
    return {
      read: (b, p) => file.read(b, p),
      write: (d, p) => file.write(d, p),
      fdatasync: () => file.fdatasync(),
      size: () => file.size(),
      truncate: (s) => file.truncate(s),
      preallocate,
      close: () => file.close(),
    };
  }
  readdir = (p: string) => this.inner.readdir(p);
  mkdir = (p: string) => this.inner.mkdir(p);
  rename = (a: string, b: string) => this.inner.rename(a, b);
  unlink = (p: string) => this.inner.unlink(p);
  stat = (p: string) => this.inner.stat(p);
  fsyncDir = (p: string) => this.inner.fsyncDir(p);
}
