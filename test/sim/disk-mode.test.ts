import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayCommand, runSeed } from './run.js';

describe('simulation: disk mode bites', () => {
  it('crashes lose unsynced entries, and nothing acknowledged is lost', async () => {
    let entriesLost = 0;
    let crashes = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const options = { seed, members: 3, ticks: 2000, disk: 'wal' as const };
      const result = await runSeed(options);
      assert.deepEqual(result.violations, [], replayCommand(options));
      entriesLost += result.stats.entriesLost;
      crashes += result.stats.crashes;
    }
    // Persists killed between the WAL's write and its fdatasync lose what they wrote (the
    // durability checker proves that nothing persisted before them went with it).
    assert.ok(entriesLost > 0, `no crash lost an unsynced entry (${crashes} crashes)`);
  });

  it('exercises batched proposals and unreachable reports in both modes', async () => {
    for (const disk of ['memory', 'wal'] as const) {
      let batches = 0;
      let unreachable = 0;
      for (let seed = 1; seed <= 4; seed++) {
        const result = await runSeed({ seed, members: 5, ticks: 1500, disk });
        batches += result.stats.batches;
        unreachable += result.stats.unreachable;
      }
      assert.ok(batches > 0, `${disk}: no proposeBatch of two or more writes`);
      assert.ok(unreachable > 0, `${disk}: no reportUnreachable`);
    }
  });
});
