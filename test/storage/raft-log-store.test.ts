import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import { joinPath } from '../../src/env/disk.js';
import { RaftLogStore } from '../../src/storage/raft-log-store.js';
import type { RaftLogStoreOptions } from '../../src/storage/raft-log-store.js';
import type { Snapshot } from '../../src/raft/types.js';
import { captureLog, entries, entry, fixtures, simFixture } from './fixtures.js';

const quiet: RaftLogStoreOptions = { segmentBytes: 1024, log: () => {} };

function snapshotAt(index: number, term: number, text: string): Snapshot {
  return {
    metadata: { index, term, confState: { voters: [1n, 2n ** 64n - 1n], learners: [7n] } },
    data: new TextEncoder().encode(text),
  };
}

for (const { name: diskName, make } of fixtures) {
  describe(`RaftLogStore on the ${diskName}`, () => {
    it('replays what was persisted into the MemoryStorage, with the hard state', async () => {
      const f = make();
      const store = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.equal(store.storage.lastIndex(), 0);
      await store.persist({ entries: entries(1, 5), hardState: { term: 1, vote: 3n, commit: 4 } });
      assert.equal(store.storage.lastIndex(), 5);
      await store.close();
      const again = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.deepEqual(again.hardState, { term: 1, vote: 3n, commit: 4 });
      assert.deepEqual(again.storage.entries(1, 6, Infinity), entries(1, 5));
      await again.close();
      f.cleanup();
    });

    it('lets a newer leader replace conflicting entries, across restarts', async () => {
      const f = make();
      let store = await RaftLogStore.open(f.disk, f.dir, quiet);
      await store.persist({
        entries: entries(1, 6, 1),
        hardState: { term: 1, vote: 1n, commit: 2 },
      });
      await store.close();
      store = await RaftLogStore.open(f.disk, f.dir, quiet);
      // Term 2's leader overwrites from index 3: 4..6 of term 1 must never come back.
      await store.persist({
        entries: entries(3, 4, 2),
        hardState: { term: 2, vote: 2n, commit: 2 },
      });
      await store.close();
      store = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.equal(store.storage.lastIndex(), 4);
      assert.deepEqual(store.storage.entries(1, 5, Infinity), [
        ...entries(1, 2, 1),
        ...entries(3, 4, 2),
      ]);
      await store.persist({ entries: [entry(5, 3)] });
      await store.close();
      store = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.deepEqual(store.storage.entries(4, 6, Infinity), [entry(4, 2), entry(5, 3)]);
      await store.close();
      f.cleanup();
    });

    it('saves snapshots, purges old snapshots and covered segments, and restarts from the snapshot', async () => {
      const f = make();
      const store = await RaftLogStore.open(f.disk, f.dir, {
        ...quiet,
        snapshotsKeep: 2,
        segmentsKeep: 1,
      });
      for (let i = 1; i <= 300; i++) {
        await store.persist({ entries: [entry(i)], hardState: { term: 1, vote: 1n, commit: i } });
        if (i % 100 === 0) {
          const { confState } = snapshotAt(0, 0, '').metadata;
          const snap = store.storage.createSnapshot(
            i,
            confState,
            new TextEncoder().encode(`state@${i}`),
          );
          await store.saveSnapshot(snap);
        }
      }
      const snaps = await f.disk.readdir(joinPath(f.dir, 'member', 'snap'));
      assert.deepEqual(snaps, [
        '0000000000000001-00000000000000c8.snap',
        '0000000000000001-000000000000012c.snap',
      ]);
      // Segments wholly below the oldest kept snapshot (200) are gone.
      const firstSegment = store.segmentNames()[0]!;
      assert.ok(Number.parseInt(firstSegment.slice(17, 33), 16) <= 201, firstSegment);
      assert.ok(Number.parseInt(firstSegment.slice(17, 33), 16) > 100, firstSegment);
      await store.persist({ entries: [entry(301)] });
      await store.close();
      const again = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.equal(again.storage.snapshot().metadata.index, 300);
      assert.equal(new TextDecoder().decode(again.storage.snapshot().data), 'state@300');
      assert.deepEqual(again.storage.snapshot().metadata.confState.voters, [1n, 2n ** 64n - 1n]);
      assert.equal(again.storage.firstIndex(), 301);
      assert.equal(again.storage.lastIndex(), 301);
      await again.close();
      f.cleanup();
    });

    it('falls back to an older snapshot when the newest is damaged, and says so', async () => {
      const f = make();
      const store = await RaftLogStore.open(f.disk, f.dir, quiet);
      await store.persist({
        entries: entries(1, 20),
        hardState: { term: 1, vote: 1n, commit: 20 },
      });
      await store.saveSnapshot(snapshotAt(10, 1, 'ten'));
      await store.saveSnapshot(snapshotAt(20, 1, 'twenty'));
      await store.close();
      const newest = joinPath(f.dir, 'member', 'snap', '0000000000000001-0000000000000014.snap');
      const bytes = f.bytes(newest);
      bytes[bytes.length - 2]! ^= 1;
      f.replace(newest, bytes);
      const { lines, log } = captureLog();
      const again = await RaftLogStore.open(f.disk, f.dir, { ...quiet, log });
      assert.equal(new TextDecoder().decode(again.storage.snapshot().data), 'ten');
      assert.deepEqual(
        again.storage.snapshot().metadata.confState,
        snapshotAt(0, 0, '').metadata.confState,
      );
      assert.equal(again.storage.lastIndex(), 20);
      assert.ok(
        lines.some((l) => l.includes('damaged snapshot') && l.includes(newest)),
        lines.join('\n'),
      );
      await again.close();
      f.cleanup();
    });

    it('installs a snapshot from the leader with the entries after it', async () => {
      const f = make();
      const store = await RaftLogStore.open(f.disk, f.dir, quiet);
      await store.persist({ entries: entries(1, 3), hardState: { term: 1, vote: 0n, commit: 1 } });
      await store.persist({
        snapshot: snapshotAt(50, 2, 'fifty'),
        entries: entries(51, 52, 2),
        hardState: { term: 2, vote: 0n, commit: 50 },
      });
      assert.equal(store.storage.firstIndex(), 51);
      await store.close();
      const again = await RaftLogStore.open(f.disk, f.dir, quiet);
      assert.equal(again.storage.snapshot().metadata.index, 50);
      assert.deepEqual(again.storage.entries(51, 53, Infinity), entries(51, 52, 2));
      await again.close();
      f.cleanup();
    });
  });
}

describe('RaftLogStore failures', () => {
  it('refuses to start when the snapshot that bridged a gap is gone', async () => {
    const f = simFixture();
    const store = await RaftLogStore.open(f.disk, f.dir, quiet);
    await store.persist({ entries: entries(1, 3), hardState: { term: 1, vote: 0n, commit: 3 } });
    await store.persist({
      snapshot: snapshotAt(50, 2, 'x'),
      entries: [entry(51, 2)],
      hardState: { term: 2, vote: 0n, commit: 50 },
    });
    await store.close();
    await f.disk.unlink(
      joinPath(f.dir, 'member', 'snap', '0000000000000002-0000000000000032.snap'),
    );
    const error = await RaftLogStore.open(f.disk, f.dir, quiet).catch((e: unknown) => e);
    assert.ok(isConcordError(error, 'Corrupt'), String(error));
    assert.match(error.message, /entry 51 follows entry \d+: entries are missing/);
  });

  it('ignores a snapshot file whose persist never finished, and its temporary file', async () => {
    const f = simFixture();
    const store = await RaftLogStore.open(f.disk, f.dir, quiet);
    await store.persist({ entries: entries(1, 3), hardState: { term: 1, vote: 0n, commit: 3 } });
    // The WAL append after the snapshot file fails: the snapshot is on disk, its commit is not.
    f.sim.failNext('fdatasync');
    const snap = snapshotAt(50, 2, 'x');
    await store
      .persist({ snapshot: snap, entries: [], hardState: { term: 2, vote: 0n, commit: 50 } })
      .catch(() => {});
    f.sim.failNext('rename');
    await store.saveSnapshot(snapshotAt(3, 1, 'three')).catch(() => {});
    f.sim.crash();
    const again = await RaftLogStore.open(f.disk, f.dir, quiet);
    assert.equal(again.storage.snapshot().metadata.index, 0);
    assert.equal(again.storage.lastIndex(), 3);
    assert.equal(again.hardState.commit, 3);
    await again.close();
  });

  it('keeps a snapshot save atomic across a crash at any point', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const f = simFixture(seed);
      const store = await RaftLogStore.open(f.sim.process(), f.dir, quiet);
      await store.persist({
        entries: entries(1, 10),
        hardState: { term: 1, vote: 0n, commit: 10 },
      });
      await store.saveSnapshot(snapshotAt(5, 1, 'five'));
      const saving = store.saveSnapshot(snapshotAt(10, 1, 'ten'));
      for (let i = 0; i < seed % 12; i++) await Promise.resolve();
      f.sim.crash({ keepSomeUnsynced: true, tear: true });
      await saving.catch(() => {});
      const again = await RaftLogStore.open(f.disk, f.dir, quiet);
      const text = new TextDecoder().decode(again.storage.snapshot().data);
      assert.ok(text === 'five' || text === 'ten', `seed ${seed}: snapshot ${text}`);
      assert.equal(again.storage.lastIndex(), 10, `seed ${seed}`);
    }
  });
});
