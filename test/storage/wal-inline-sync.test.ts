import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inlineSyncMaxMs, Wal } from '../../src/storage/wal.js';
import { countingDisk } from '../helpers/counting-disk.js';
import { entries, realFixture } from './fixtures.js';

it('Wal.inlineSync syncs appends on the calling thread, and they replay as any other', async () => {
  const f = realFixture();
  try {
    const { disk, calls } = countingDisk(f.disk);
    const { wal } = await Wal.open(disk, f.dir, { segmentBytes: 64 * 1024, log: () => {} });
    await wal.whenPrepared();
    const before = { ...calls };
    await wal.save({ entries: entries(1, 2) });
    assert.deepEqual(
      { async: calls.async - before.async, inline: calls.inline - before.inline },
      { async: 1, inline: 0 },
      'by default the WAL syncs off the thread',
    );
    wal.inlineSync = true;
    await wal.save({ entries: entries(3, 4), hardState: { term: 1, vote: 0n, commit: 3 } });
    assert.equal(calls.inline, 1, 'inline: one fdatasyncNow for the append');
    assert.equal(calls.async - before.async, 1, 'inline: no thread-pool fdatasync');
    await wal.close();
    const again = await Wal.open(f.disk, f.dir, { segmentBytes: 64 * 1024, log: () => {} });
    assert.deepEqual(
      again.records.flatMap(({ record }) => (record.type === 'entry' ? [record.entry.index] : [])),
      [1, 2, 3, 4],
    );
    await again.wal.close();
  } finally {
    f.cleanup();
  }
});

it('Wal.inlineSync falls back to syncing off the thread while the disk is slow', async () => {
  const f = realFixture();
  try {
    const { disk, calls } = countingDisk(f.disk, 3 * inlineSyncMaxMs);
    const { wal } = await Wal.open(disk, f.dir, { segmentBytes: 64 * 1024, log: () => {} });
    await wal.whenPrepared();
    wal.inlineSync = true;
    const before = calls.async;
    for (let i = 1; i <= 12; i++) await wal.save({ entries: entries(i, i) });
    // The average passes the bound after a few slow inline syncs (one, if the machine is so
    // loaded that the first takes over 8 bounds); later ones go to the pool.
    assert.ok(calls.inline >= 1 && calls.inline < 12, `inline syncs: ${calls.inline}`);
    assert.ok(calls.async > before, 'no sync went off the thread');
    await wal.close();
  } finally {
    f.cleanup();
  }
});
