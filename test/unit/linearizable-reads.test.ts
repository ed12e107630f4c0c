import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppliedWait } from '../../src/node/applied-wait.js';
import {
  LinearizableReads,
  type LinearizableReadsOptions,
} from '../../src/node/linearizable-reads.js';
import { ManualClock } from './manual-clock.js';

function setup(
  options: LinearizableReadsOptions = { retryMs: 100, timeoutMs: 1000, pendingMax: 3 },
  sequenceStart = 0n,
) {
  const clock = new ManualClock();
  const applied = new AppliedWait(0);
  const asked: Uint8Array[] = [];
  const reads = new LinearizableReads(
    (c) => asked.push(c),
    applied,
    clock,
    options,
    42n,
    sequenceStart,
  );
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

/** Rounds start in a microtask after the reads of one turn arrived. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LinearizableReads (ReadIndex batching)', () => {
  it('does not take an answer to a context asked before a restart for one asked after it', async () => {
    // The process before the restart, and the one after it, seeded as Member seeds them.
    const before = setup(undefined, 1_000n << 20n);
    const beforeRead = before.reads.barrier();
    await turn();
    const after = setup(undefined, 1_250n << 20n);
    const read = after.reads.barrier();
    await turn();
    assert.notDeepEqual(after.asked[0], before.asked[0], 'a context was asked twice');
    // The leader's late answer to the old context arrives at the restarted member.
    after.applied.trigger(100);
    after.reads.onReadStates([{ index: 1, context: before.asked[0]! }]);
    assert.equal(await settled(read), 'pending', 'served by an answer to an older question');
    after.reads.onReadStates([{ index: 2, context: after.asked[0]! }]);
    assert.equal(await settled(read), 'resolved');
    void beforeRead.catch(() => undefined);
  });

  it('serves a read once the read index is applied, not before', async () => {
    const { applied, asked, reads } = setup();
    const read = reads.barrier();
    await turn();
    assert.equal(asked.length, 1);
    reads.onReadStates([{ index: 5, context: asked[0]! }]);
    assert.equal(await settled(read), 'pending');
    applied.trigger(5);
    assert.equal(await settled(read), 'resolved');
  });

  it('batches the reads of one turn into one round', async () => {
    const { applied, asked, reads } = setup();
    const batch = [reads.barrier(), reads.barrier(), reads.barrier()];
    await turn();
    assert.equal(asked.length, 1, 'one ReadIndex for the three reads');
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: asked[0]! }]);
    for (const read of batch) assert.equal(await settled(read), 'resolved');
  });

  it('makes reads that arrive during a round wait for a round asked after them', async () => {
    const { applied, asked, reads } = setup({
      retryMs: 100,
      timeoutMs: 1000,
      pendingMax: 3,
      roundsMax: 1,
    });
    const first = reads.barrier();
    await turn();
    const second = reads.barrier(); // arrived after the round started
    await turn();
    assert.equal(asked.length, 1, 'one round in flight at most');
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: asked[0]! }]);
    assert.equal(await settled(first), 'resolved');
    assert.equal(await settled(second), 'pending');
    assert.equal(asked.length, 2, 'a second round started for the waiting read');
    reads.onReadStates([{ index: 2, context: asked[1]! }]);
    assert.equal(await settled(second), 'resolved');
  });

  it('starts a second round while one is in flight, and serves no read by an older round', async () => {
    const { applied, asked, reads } = setup();
    const first = reads.barrier();
    await turn();
    const second = reads.barrier();
    await turn();
    assert.equal(asked.length, 2, 'the second read did not wait for the first round');
    const third = reads.barrier();
    await turn();
    assert.equal(asked.length, 2, 'roundsMax (2) rounds in flight at most');
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: asked[0]! }]);
    assert.equal(await settled(first), 'resolved');
    assert.equal(await settled(second), 'pending', 'the first round predates the second read');
    assert.equal(await settled(third), 'pending');
    assert.equal(asked.length, 3, 'the third read got a round once one finished');
    // The third round's answer serves the second round's reads too (its index is later).
    reads.onReadStates([{ index: 3, context: asked[2]! }]);
    assert.equal(await settled(second), 'resolved');
    assert.equal(await settled(third), 'resolved');
    reads.onReadStates([{ index: 2, context: asked[1]! }]); // late: ignored
  });

  it('ignores a late answer to an older round', async () => {
    const { applied, asked, reads } = setup();
    const read = reads.barrier();
    await turn();
    applied.trigger(100);
    reads.onReadStates([{ index: 1, context: new Uint8Array([9, 9]) }]);
    assert.equal(await settled(read), 'pending');
    assert.equal(asked.length, 1);
  });

  it('asks again while unanswered (a leader change loses requests) and times out', async () => {
    const { clock, asked, reads } = setup();
    const read = reads.barrier();
    await turn();
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
