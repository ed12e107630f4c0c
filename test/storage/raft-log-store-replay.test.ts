// Recovery cases the simulator found in disk mode (npm run sim -- --seed 58 --members 5
// --disk wal; --seed 19 --members 5 --disk wal; --seed 12 --members 3 --disk wal).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftLogStore } from '../../src/storage/raft-log-store.js';
import type { RaftLogStoreOptions } from '../../src/storage/raft-log-store.js';
import type { Snapshot } from '../../src/raft/types.js';
import { entries, simFixture } from './fixtures.js';

const quiet: RaftLogStoreOptions = { segmentBytes: 1024, log: () => {} };

function leaderSnapshot(index: number, term: number): Snapshot {
  return {
    metadata: { index, term, confState: { voters: [1n], learners: [] } },
    data: new Uint8Array([7]),
  };
}

describe('RaftLogStore recovery', () => {
  it('restarts from an application snapshot beyond the durable commit (commit-only hard states are not written)', async () => {
    const f = simFixture();
    const store = await RaftLogStore.open(f.disk, f.dir, {
      ...quiet,
      snapshotsKeep: 1,
      segmentsKeep: 1,
    });
    await store.persist({ entries: entries(1, 60), hardState: { term: 1, vote: 1n, commit: 3 } });
    // The member applied up to 50 (commit learned from the leader, never written), and
    // snapshots there; the purge removes the WAL segments the snapshot covers.
    await store.saveSnapshot(
      store.storage.createSnapshot(50, { voters: [1n], learners: [] }, new Uint8Array()),
    );
    store.storage.compact(50);
    f.sim.crash();
    const again = await RaftLogStore.open(f.disk, f.dir, quiet);
    assert.equal(again.storage.snapshot().metadata.index, 50);
    assert.equal(again.storage.lastIndex(), 60);
    assert.equal(again.hardState.commit, 50);
  });

  it("drops entries past the snapshot that a newer leader's entry at or below it replaced", async () => {
    const f = simFixture();
    const store = await RaftLogStore.open(f.disk, f.dir, quiet);
    await store.persist({ entries: entries(1, 8, 1), hardState: { term: 1, vote: 1n, commit: 2 } });
    // Leader of term 2 replaces 4..8 with 4..5; the member applies to 5 and snapshots.
    await store.persist({ entries: entries(4, 5, 2), hardState: { term: 2, vote: 0n, commit: 5 } });
    await store.saveSnapshot(
      store.storage.createSnapshot(5, { voters: [1n], learners: [] }, new Uint8Array()),
    );
    f.sim.crash();
    const again = await RaftLogStore.open(f.disk, f.dir, quiet);
    assert.equal(again.storage.snapshot().metadata.index, 5);
    assert.equal(again.storage.lastIndex(), 5);
  });

  it('drops the old log that a snapshot installed from the leader replaced', async () => {
    const f = simFixture();
    const store = await RaftLogStore.open(f.disk, f.dir, quiet);
    await store.persist({
      entries: entries(1, 10, 1),
      hardState: { term: 1, vote: 1n, commit: 2 },
    });
    await store.persist({
      entries: [],
      snapshot: leaderSnapshot(8, 3),
      hardState: { term: 3, vote: 0n, commit: 8 },
    });
    assert.equal(store.storage.lastIndex(), 8);
    f.sim.crash();
    const again = await RaftLogStore.open(f.disk, f.dir, quiet);
    assert.equal(again.storage.snapshot().metadata.index, 8);
    assert.equal(again.storage.lastIndex(), 8);
    // And entries the leader sends after its snapshot follow it across a restart.
    await again.persist({ entries: entries(9, 9, 3), hardState: { term: 3, vote: 0n, commit: 9 } });
    f.sim.crash();
    const third = await RaftLogStore.open(f.disk, f.dir, quiet);
    assert.equal(third.storage.lastIndex(), 9);
    assert.equal(third.storage.term(9), 3);
  });
});
