import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppliedWait } from '../../src/node/applied-wait.js';
import { LinearizableReads } from '../../src/node/linearizable-reads.js';
import { ManualClock } from './manual-clock.js';

function setup(options = { retryMs: 100, timeoutMs: 1000, pendingMax: 3 }) {
  const clock = new ManualClock();
  const applied = new AppliedWait(0);
  const asked: Uint8Array[] = [];
  const reads = new LinearizableReads((c) => asked.push(c), applied, clock, options, 42n);
  return { clock, applied, asked, reads };
}

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('LinearizableReads (ReadIndex batching)', () => {
  it('serves a read once the read index is applied, not before', async () => {
    const { applied, asked, reads } = setup();
    const read = reads.barrier();
    assert.equal(asked.length, 1);
    reads.onReadStates([{ index: 5, context: asked[0]! }]);
    assert.equal(await settled(read), 'pending');
    applied.trigger(5);
    assert.equal(await settled(read), 'resolved');
  });

  it('makes reads that arrive during a round wait for the next round', async () => {
    const { applied, asked, reads } = setup();
    const first = reads.barrier();
    const second = reads.barrier(); // arrived after the round started
    assert.equal(asked.length, 1);
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: asked[0]! }]);
    assert.equal(await settled(first), 'resolved');
    assert.equal(await settled(second), 'pending');
    assert.equal(asked.length, 2, 'a second round started for the waiting read');
    reads.onReadStates([{ index: 2, context: asked[1]! }]);
    assert.equal(await settled(second), 'resolved');
  });

  it('ignores a late answer to an older round', async () => {
    const { applied, asked, reads } = setup();
    const read = reads.barrier();
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: new Uint8Array([9, 9]) }]);
    assert.equal(await settled(read), 'pending');
    assert.equal(asked.length, 1);
  });

  it('asks again while unanswered (a leader change loses requests) and times out', async () => {
    const { clock, asked, reads } = setup();
    const read = reads.barrier();
    clock.advance(350);
    assert.equal(asked.length, 4, 'asked at 0, 100, 200, 300');
    clock.advance(700);
    assert.equal(await settled(read), 'rejected');
    await assert.rejects(read, { code: 'Timeout', message: 'etcdserver: request timed out' });
  });

  it('refuses reads beyond its bound', async () => {
    const { reads } = setup();
    void reads.barrier().catch(() => undefined);
    void reads.barrier().catch(() => undefined);
    void reads.barrier().catch(() => undefined);
    void reads.barrier().catch(() => undefined);
    await assert.rejects(reads.barrier(), { code: 'TooManyRequests' });
  });
});
