// The dynamic table (RFC 7541 Section 4) against a plain-array model: seeded random adds and
// size changes, including entries larger than the table and growth of the ring past its
// initial 16 slots; the eviction hook reports each leaving entry with its insertion number.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamicTable, entryOverhead } from '../../../src/server/h2/hpack-table.js';
import { seededBelow } from './seeded-random.js';

interface ModelEntry {
  name: string;
  value: string;
  insertion: number;
}

describe('HPACK dynamic table', () => {
  it('an entry larger than the table empties it and is not added (Section 4.4)', () => {
    const table = new DynamicTable(100);
    table.add('a', 'b');
    table.add('x'.repeat(40), 'y'.repeat(40)); // 112 > 100
    assert.equal(table.length, 0);
    assert.equal(table.size, 0);
    table.add('a', 'b'.repeat(100 - 1 - entryOverhead)); // exactly 100 fits
    assert.equal(table.size, 100);
  });

  it('matches a model under 20000 seeded adds and size changes', () => {
    const next = seededBelow(0x1234567);
    const evicted: ModelEntry[] = [];
    const table = new DynamicTable(4096, (name, value, insertion) =>
      evicted.push({ name, value, insertion }),
    );
    const model: ModelEntry[] = []; // newest first
    let sizeMax = 4096;
    let insertions = 0;
    const sizeOf = (entry: ModelEntry): number =>
      entry.name.length + entry.value.length + entryOverhead;
    const modelSize = (): number => model.reduce((sum, entry) => sum + sizeOf(entry), 0);
    const expectEvicted: ModelEntry[] = [];
    const evictModelTo = (limit: number): void => {
      while (modelSize() > limit) expectEvicted.push(model.pop() as ModelEntry);
    };
    for (let op = 0; op < 20_000; op++) {
      if (next(100) === 0) {
        sizeMax = [0, 32, 100, 1000, 4096, 8192][next(6)] as number;
        table.setSizeMax(sizeMax);
        evictModelTo(sizeMax);
      } else {
        const entry = {
          name: `n${next(1000)}`,
          value: 'v'.repeat(next(10) === 0 ? next(2000) : next(20)),
          insertion: insertions++,
        };
        table.add(entry.name, entry.value);
        if (sizeOf(entry) > sizeMax) evictModelTo(0);
        else {
          evictModelTo(sizeMax - sizeOf(entry));
          model.unshift(entry);
        }
      }
      assert.equal(table.length, model.length, `op ${op}`);
      assert.equal(table.size, modelSize(), `op ${op}`);
      assert.equal(table.inserted, insertions);
      for (let at = 0; at < model.length; at += 7) {
        assert.equal(table.name(at), (model[at] as ModelEntry).name, `op ${op} entry ${at}`);
        assert.equal(table.value(at), (model[at] as ModelEntry).value, `op ${op} entry ${at}`);
      }
    }
    assert.deepEqual(evicted, expectEvicted);
    assert.ok(evicted.length > 1000, `${evicted.length} evictions`);
  });
});
