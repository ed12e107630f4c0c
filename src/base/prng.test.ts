import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from './prng.js';

describe('Prng', () => {
  it('replays the same sequence from the same seed', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const xs = Array.from({ length: 100 }, () => a.u32());
    const ys = Array.from({ length: 100 }, () => b.u32());
    assert.deepEqual(xs, ys);
  });

  it('gives different sequences for different seeds', () => {
    assert.notEqual(new Prng(1).u32(), new Prng(2).u32());
  });

  it('keeps int() within its bound and covers it', () => {
    const prng = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = prng.int(10);
      assert.ok(v >= 0 && v < 10, `int(10) gave ${v}`);
      seen.add(v);
    }
    assert.equal(seen.size, 10);
  });

  it('keeps range() inclusive at both ends', () => {
    const prng = new Prng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(prng.range(5, 7));
    assert.deepEqual([...seen].sort(), [5, 6, 7]);
  });
});
