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

for (const { name: diskName, make } of fixtures) {
  describe(`Wal on the ${diskName}`, () => {
    it('replays entries, hard states and snapshot markers in the order saved', async () => {
      const f = make();
      const { wal, records } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      assert.deepEqual(records, []);
      await wal.save({
        entries: entries(1, 3),
        hardState: { term: 1, vote: 2n ** 63n, commit: 2 },
      });
      await wal.save({ snapshot: { index: 2, term: 1 } });
      await wal.close();
      const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      assert.deepEqual(
        again.records.map((r) => r.record),
        [
          ...entries(1, 3).map((e) => ({ type: 'entry', entry: e })),
          { type: 'hardState', hardState: { term: 1, vote: 2n ** 63n, commit: 2 } },
          { type: 'snapshot', index: 2, term: 1 },
        ],
      );
      await again.wal.close();
      f.cleanup();
    });

    it('rolls over to a new segment when a batch would not fit, and replays across them', async () => {
      const f = make();
      const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      for (let i = 1; i <= 100; i++) {
        await wal.save({ entries: [entry(i)], hardState: { term: 1, vote: 0n, commit: i } });
      }
      const names = wal.segmentNames();
      assert.ok(names.length >= 5, `only ${names.length} segments`);
      assert.match(names[1]!, /^0000000000000001-00000000000000[0-9a-f]{2}\.wal$/);
      await wal.close();
      const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      assert.deepEqual(
        indexes(again.records),
        entries(1, 100).map((e) => e.index),
      );
      await again.wal.close();
      f.cleanup();
    });

    it('purges segments wholly covered by an index, oldest first, keeping the one in use', async () => {
      const f = make();
      const { lines, log } = captureLog();
      const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log });
      for (let i = 1; i <= 300; i++) await wal.save({ entries: [entry(i)] });
      const before = wal.segmentNames();
      const firstIndexOfSecond = Number.parseInt(before[2]!.slice(17, 33), 16);
      // Covers exactly the first two segments.
      assert.equal(await wal.purge(firstIndexOfSecond - 1), 2);
      assert.deepEqual(wal.segmentNames(), before.slice(2));
      assert.equal(await wal.purge(1000, 3), before.length - 5);
      assert.equal(wal.segmentNames().length, 3);
      assert.equal(await wal.purge(1000), 2);
      assert.deepEqual(wal.segmentNames(), before.slice(-1));
      assert.ok(lines.some((l) => l.includes('purged')));
      await wal.close();
      const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
      assert.equal(indexes(again.records).at(-1), 300);
      await again.wal.close();
      f.cleanup();
    });
  });
}

describe('Wal group commit', () => {
  it('covers saves made while a write is in flight with one fdatasync', async () => {
    const f = simFixture();
    // Made first, so the segment is opened by its name below, and only its syncs count (not
    // those of the next segment being prepared in the background).
    await (await Wal.open(f.disk, f.dir, { segmentBytes: 1 << 20, log: () => {} })).wal.close();
    const counting = new CountingDisk(f.disk);
    const { wal } = await Wal.open(counting, f.dir, { segmentBytes: 1 << 20, log: () => {} });
    const before = counting.syncs;
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.save({ entries: [entry(i + 1)] })));
    // The first save starts a write at once; the other 49 wait and go in one more.
    assert.equal(counting.syncs - before, 2);
    await wal.close();
    const again = await Wal.open(f.disk, f.dir, { log: () => {} });
    assert.deepEqual(
      indexes(again.records),
      entries(1, 50).map((e) => e.index),
    );
  });
});

describe('Wal disk errors', () => {
  it('fails with NoSpace when a new segment cannot be allocated, and refuses appends until reopened', async () => {
    const f = simFixture();
    const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    for (let i = 1; i <= 10; i++) await wal.save({ entries: [entry(i)] });
    f.sim.spaceBytes = f.sim.usedBytes() + 100; // no room for another segment
    let saved = 10;
    const error = await (async () => {
      for (let i = 11; i < 1000; i++) {
        await wal.save({ entries: [entry(i)] });
        saved = i;
      }
    })().catch((e: unknown) => e);
    assert.ok(isConcordError(error, 'NoSpace'), `expected NoSpace, got ${String(error)}`);
    assert.match((error as Error).message, /no space left on device: .*\.wal/);
    await assert.rejects(wal.save({ entries: [entry(saved + 1)] }), { code: 'NoSpace' });
    f.sim.spaceBytes = Number.MAX_SAFE_INTEGER;
    f.sim.crash();
    const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    assert.deepEqual(
      indexes(again.records),
      entries(1, saved).map((e) => e.index),
    );
    await again.wal.save({ entries: [entry(saved + 1)] });
  });

  it('fails with Io on a failed fdatasync and never trusts the unsynced write', async () => {
    const f = simFixture();
    const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    await wal.save({ entries: [entry(1)] });
    f.sim.failNext('fdatasync');
    await assert.rejects(wal.save({ entries: [entry(2)] }), { code: 'Io' });
    assert.equal(wal.failed()?.code, 'Io');
    await assert.rejects(wal.save({ entries: [entry(2)] }), { code: 'Io' });
    f.sim.crash({ tear: true });
    const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
    assert.deepEqual(indexes(again.records), [1]);
  });
});

/** Counts fdatasyncs of existing files (opened 'write') passing through to another disk. */
class CountingDisk implements Disk {
  syncs = 0;
  constructor(private readonly inner: Disk) {}
  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    const file = await this.inner.open(path, mode);
    const fdatasync = async (): Promise<void> => {
      if (mode === 'write') this.syncs++;
      await file.fdatasync();
    };
    return {
      read: (b, p) => file.read(b, p),
      write: (d, p) => file.write(d, p),
      fdatasync,
      size: () => file.size(),
      truncate: (s) => file.truncate(s),
      preallocate: (s) => file.preallocate(s),
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
