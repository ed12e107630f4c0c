/**
 * LinearizableReads with both rounds in flight (roundsMax 2): a read that arrives then must
 * wait for a round asked after it, whichever of the two in-flight rounds answers first; a
 * later round's answer serves earlier rounds, never a read that arrived after it was asked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppliedWait } from '../../src/node/applied-wait.js';
import { LinearizableReads } from '../../src/node/linearizable-reads.js';
import { ManualClock } from './manual-clock.js';

function setup() {
  const applied = new AppliedWait(0);
  const asked: Uint8Array[] = [];
  const reads = new LinearizableReads(
    (c) => asked.push(c),
    applied,
    new ManualClock(),
    { retryMs: 100, timeoutMs: 1000, pendingMax: 10 },
    7n,
    0n,
  );
  applied.trigger(1000);
  return { asked, reads };
}

/** A macrotask later: rounds start in a microtask, and settled reads have run their then. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function track(p: Promise<void>): { readonly done: boolean } {
  const state = { done: false };
  void p.then(() => (state.done = true));
  return state;
}

describe('LinearizableReads with every round in flight', () => {
  it('the newer in-flight round answering first does not serve a read that arrived after it', async () => {
    const { asked, reads } = setup();
    const first = track(reads.barrier());
    await turn();
    const second = track(reads.barrier());
    await turn();
    const late = track(reads.barrier()); // both rounds in flight: it waits
    await turn();
    assert.equal(asked.length, 2);
    reads.onReadStates([{ index: 5, context: asked[1]! }]); // the second round answers first
    await turn();
    assert.deepEqual([first.done, second.done, late.done], [true, true, false]);
    assert.equal(asked.length, 3, 'the late read got a round of its own');
    reads.onReadStates([{ index: 4, context: asked[0]! }]); // the first round, late: ignored
    await turn();
    assert.equal(late.done, false);
    reads.onReadStates([{ index: 6, context: asked[2]! }]);
    await turn();
    assert.equal(late.done, true);
  });

  it("a read a microtask after its turn's round started is served only by the next round", async () => {
    const { asked, reads } = setup();
    const a = track(reads.barrier());
    await Promise.resolve(); // the round's microtask (queued by a) runs first
    const b = track(reads.barrier());
    await turn();
    assert.equal(asked.length, 2, 'b arrived after the first round was asked');
    reads.onReadStates([{ index: 3, context: asked[0]! }]);
    await turn();
    assert.deepEqual([a.done, b.done], [true, false], 'the first round predates b');
    reads.onReadStates([{ index: 4, context: asked[1]! }]);
    await turn();
    assert.equal(b.done, true);
  });
});
