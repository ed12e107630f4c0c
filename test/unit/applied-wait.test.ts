import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppliedWait } from '../../src/node/applied-wait.js';

describe('AppliedWait', () => {
  it('resolves at once for an index already applied', async () => {
    await new AppliedWait(5).wait(5);
  });

  it('resolves waiters in index order as the applied index passes them', async () => {
    const w = new AppliedWait(0);
    const done: number[] = [];
    const waits = [7, 3, 5].map((i) => w.wait(i).then(() => done.push(i)));
    w.trigger(4);
    await Promise.resolve();
    assert.deepEqual(done, [3]);
    w.trigger(10);
    await Promise.all(waits);
    assert.deepEqual(done, [3, 5, 7]);
    assert.equal(w.appliedIndex, 10);
  });

  it('never moves the applied index backwards', () => {
    const w = new AppliedWait(9);
    w.trigger(3);
    assert.equal(w.appliedIndex, 9);
  });
});
