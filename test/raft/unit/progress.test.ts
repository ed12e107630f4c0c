import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress, type ProgressState } from '../../../src/raft/progress.js';

function progress(state: ProgressState, match: number, next: number): Progress {
  const pr = new Progress({ next, match, inflightMessagesMax: 2, isLearner: false });
  if (state === 'Replicate') {
    pr.becomeReplicate();
    pr.next = next;
  } else if (state === 'Snapshot') {
    pr.becomeSnapshot(next - 1);
  }
  return pr;
}

describe('Progress transitions', () => {
  it('Probe -> Replicate streams from match + 1', () => {
    const pr = progress('Probe', 5, 9);
    pr.msgAppFlowPaused = true;
    pr.becomeReplicate();
    assert.equal(pr.state, 'Replicate');
    assert.equal(pr.next, 6);
    assert.equal(pr.isPaused(), false);
  });

  it('Replicate -> Probe resets next to match + 1 and empties the window', () => {
    const pr = progress('Replicate', 5, 6);
    pr.sentEntries(3, 30);
    assert.equal(pr.inflights.count, 1);
    pr.becomeProbe();
    assert.equal(pr.state, 'Probe');
    assert.equal(pr.next, 6);
    assert.equal(pr.inflights.count, 0);
  });

  it('Snapshot -> Probe resumes after the pending snapshot', () => {
    const pr = progress('Probe', 5, 6);
    pr.becomeSnapshot(20);
    assert.equal(pr.next, 21);
    assert.equal(pr.isPaused(), true);
    pr.becomeProbe();
    assert.equal(pr.next, 21);
    assert.equal(pr.pendingSnapshot, 0);
  });

  it('Snapshot -> Probe after a failed snapshot probes from match', () => {
    const pr = progress('Probe', 5, 6);
    pr.becomeSnapshot(20);
    pr.pendingSnapshot = 0;
    pr.becomeProbe();
    assert.equal(pr.next, 6);
  });

  it('a probe pauses sending until answered', () => {
    const pr = progress('Probe', 5, 6);
    pr.sentEntries(0, 0);
    assert.equal(pr.isPaused(), false, 'an empty probe does not pause');
    pr.sentEntries(2, 20);
    assert.equal(pr.isPaused(), true);
    assert.equal(pr.next, 6, 'a probe does not advance next');
    assert.equal(pr.maybeUpdate(7), true);
    assert.equal(pr.isPaused(), false);
  });

  it('replicate pauses when the inflight window is full', () => {
    const pr = progress('Replicate', 5, 6);
    pr.sentEntries(1, 10);
    assert.equal(pr.isPaused(), false);
    pr.sentEntries(2, 20);
    assert.equal(pr.next, 9);
    assert.equal(pr.isPaused(), true);
  });

  it('maybeUpdate ignores stale acks and moves next forward only', () => {
    const pr = progress('Replicate', 5, 10);
    assert.equal(pr.maybeUpdate(4), false);
    assert.equal(pr.maybeUpdate(7), true);
    assert.deepEqual([pr.match, pr.next], [7, 10]);
    assert.equal(pr.maybeUpdate(12), true);
    assert.deepEqual([pr.match, pr.next], [12, 13]);
  });
});

describe('Progress.maybeDecrTo', () => {
  // etcd's TestProgressMaybeDecr.
  const cases: {
    state: ProgressState;
    match: number;
    next: number;
    rejected: number;
    hint: number;
    ok: boolean;
    wantNext: number;
  }[] = [
    { state: 'Replicate', match: 5, next: 10, rejected: 5, hint: 5, ok: false, wantNext: 10 },
    { state: 'Replicate', match: 5, next: 10, rejected: 4, hint: 4, ok: false, wantNext: 10 },
    { state: 'Replicate', match: 5, next: 10, rejected: 9, hint: 9, ok: true, wantNext: 6 },
    { state: 'Probe', match: 0, next: 0 + 1, rejected: 0, hint: 0, ok: true, wantNext: 1 },
    { state: 'Probe', match: 0, next: 10, rejected: 5, hint: 5, ok: false, wantNext: 10 },
    { state: 'Probe', match: 0, next: 10, rejected: 9, hint: 9, ok: true, wantNext: 9 },
    { state: 'Probe', match: 0, next: 2, rejected: 1, hint: 1, ok: true, wantNext: 1 },
    { state: 'Probe', match: 0, next: 10, rejected: 9, hint: 2, ok: true, wantNext: 3 },
    { state: 'Probe', match: 0, next: 10, rejected: 9, hint: 0, ok: true, wantNext: 1 },
    { state: 'Probe', match: 4, next: 10, rejected: 9, hint: 0, ok: true, wantNext: 5 },
  ];
  for (const c of cases) {
    it(`${c.state} match=${c.match} next=${c.next} rejected=${c.rejected} hint=${c.hint}`, () => {
      const pr = progress(c.state, c.match, c.next);
      pr.msgAppFlowPaused = true;
      assert.equal(pr.maybeDecrTo(c.rejected, c.hint), c.ok);
      assert.equal(pr.next, c.wantNext);
      if (c.ok && c.state === 'Probe') assert.equal(pr.msgAppFlowPaused, false);
    });
  }
});
