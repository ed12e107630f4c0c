import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import { encodeSnapshotData } from '../../src/node/snapshot-data.js';
import { recoverBehindSnapshot } from '../../src/node/snapshot-recovery.js';
import type { Snapshot } from '../../src/raft/types.js';
import { Harness, kvText } from '../mvcc/helpers.js';

/** A leader's snapshot of `leader`'s state at its applied index, as peer-wiring sends it. */
function leaderSnapshot(leader: Harness, withState = true): Snapshot {
  return {
    metadata: {
      index: leader.sm.appliedIndex,
      term: 2,
      confState: { voters: [1n], learners: [] },
    },
    data: encodeSnapshotData({
      members: [],
      ...(withState ? { state: leader.sm.snapshot() } : {}),
    }),
  };
}

describe('recovering a backend left behind the Raft snapshot', () => {
  it('restores the snapshot state when the backend is behind it (killed before the install committed)', async () => {
    const leader = new Harness();
    for (let i = 0; i < 50; i++) leader.put(`k${i}`, `v${i}`);
    const follower = new Harness();
    follower.put('k0', 'old');
    assert.equal(
      await recoverBehindSnapshot(follower.sm, leaderSnapshot(leader), '/data/member/db'),
      true,
    );
    assert.equal(follower.sm.appliedIndex, leader.sm.appliedIndex);
    assert.equal(follower.sm.currentRevision, leader.sm.currentRevision);
    assert.equal(kvText(follower.get('k49')), kvText(leader.get('k49')));
    assert.equal(kvText(follower.get('k0')), kvText(leader.get('k0')));
  });

  it('leaves a backend at or past the snapshot alone', async () => {
    const leader = new Harness();
    leader.put('a', '1');
    const snapshot = leaderSnapshot(leader);
    leader.put('a', '2');
    assert.equal(await recoverBehindSnapshot(leader.sm, snapshot, '/data/member/db'), false);
    assert.equal(kvText(leader.get('a')).split('@')[0], 'a=2');
  });

  it('refuses to start (Corrupt, naming the db) when the backend is behind its own stateless snapshot', async () => {
    const ahead = new Harness();
    ahead.put('a', '1');
    const behind = new Harness();
    await assert.rejects(
      recoverBehindSnapshot(behind.sm, leaderSnapshot(ahead, false), '/data/member/db'),
      (error: unknown) =>
        isConcordError(error) &&
        error.code === 'Corrupt' &&
        /\/data\/member\/db/.test(error.message),
    );
  });
});
