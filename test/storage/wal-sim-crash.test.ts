// Crashes at random moments on the simulated disk, which loses unsynced writes, keeps random
// prefixes of them and tears them: after every crash, every acknowledged record is replayed,
// in order, followed by at most a prefix of the unacknowledged ones, never garbage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { Wal } from '../../src/storage/wal.js';
import { entry } from './fixtures.js';
import { SimDisk } from '../sim/sim-disk.js';

describe('Wal under simulated crashes', () => {
  it('never loses an acknowledged record and never replays garbage (300 crashes)', async () => {
    const seed = 42;
    const prng = new Prng(seed);
    const disk = new SimDisk(prng.fork());
    let acked = 0; // every index up to here was acknowledged
    for (let crash = 0; crash < 300; crash++) {
      const { wal, records } = await Wal.open(disk.process(), '/d', {
        segmentBytes: 2048,
        log: () => {},
      });
      const replayed = records.flatMap(({ record }) =>
        record.type === 'entry' ? [record.entry] : [],
      );
      assert.ok(replayed.length >= acked, `seed ${seed} crash ${crash}: lost acknowledged records`);
      replayed.forEach((e, i) => {
        assert.equal(e.index, i + 1, `seed ${seed} crash ${crash}: out of order`);
        assert.deepEqual(e, entry(i + 1, 1, `r${i + 1}`.repeat(e.index % 30)));
      });
      let next = replayed.length + 1;
      acked = replayed.length;
      // Saves in flight, some acknowledged, then a crash after a random number of turns.
      const turns = prng.int(40);
      for (let turn = 0; turn < turns; turn++) {
        if (prng.chance(0.5)) {
          const batch = Array.from({ length: prng.range(1, 5) }, () => {
            const index = next++;
            return entry(index, 1, `r${index}`.repeat(index % 30));
          });
          const last = batch.at(-1)!.index;
          wal.save({ entries: batch }).then(
            () => (acked = Math.max(acked, last)),
            () => {},
          );
        }
        await Promise.resolve();
      }
      disk.crash({ keepSomeUnsynced: prng.chance(0.7), tear: prng.chance(0.7) });
    }
    assert.ok(acked > 100, `only ${acked} records acknowledged: the test exercised too little`);
  });
});
