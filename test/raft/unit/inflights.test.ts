import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inflights } from '../../../src/raft/inflights.js';

describe('Inflights', () => {
  it('fills up to its capacity, then refuses more', () => {
    const w = new Inflights(3);
    w.add(1, 10);
    w.add(2, 10);
    assert.equal(w.full(), false);
    w.add(3, 10);
    assert.equal(w.full(), true);
    assert.equal(w.bytes, 30);
    assert.throws(() => w.add(4, 10), /full/);
  });

  it('frees every message up to an acknowledged index, across the ring wrap', () => {
    const w = new Inflights(4);
    for (const i of [1, 2, 3, 4]) w.add(i, i);
    w.freeLE(2);
    w.add(5, 5);
    w.add(6, 6); // wraps around the ring
    assert.equal(w.count, 4);
    w.freeLE(5);
    assert.equal(w.count, 1);
    assert.equal(w.bytes, 6);
    w.freeLE(0); // stale: nothing
    assert.equal(w.count, 1);
    w.freeLE(100);
    assert.equal(w.count, 0);
    assert.equal(w.bytes, 0);
  });

  it('freeFirstOne frees the oldest only', () => {
    const w = new Inflights(2);
    w.add(7, 1);
    w.add(9, 1);
    w.freeFirstOne();
    assert.equal(w.count, 1);
    w.add(10, 1);
    w.freeLE(9);
    assert.equal(w.count, 1);
    w.freeFirstOne();
    w.freeFirstOne(); // empty: nothing
    assert.equal(w.count, 0);
  });

  it('is full when the byte budget is spent', () => {
    const w = new Inflights(10, 100);
    w.add(1, 60);
    assert.equal(w.full(), false);
    w.add(2, 40);
    assert.equal(w.full(), true);
    w.freeLE(1);
    assert.equal(w.full(), false);
  });

  it('requires increasing indexes and resets to empty', () => {
    const w = new Inflights(3);
    w.add(5, 1);
    assert.throws(() => w.add(5, 1), /not above/);
    w.reset();
    assert.equal(w.count, 0);
    w.add(1, 1);
    assert.equal(w.count, 1);
  });
});
