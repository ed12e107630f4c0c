import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { message } from '../../../src/raft/message.js';
import { InteractionEnv } from '../interaction/env.js';
import { runCommand } from '../interaction/run.js';

/**
 * An ack can raise a follower's match without freeing any inflight slot: a follower answers
 * a stale (duplicated or reordered) MsgApp whose previous index is below its commit index
 * with that commit index, which may lie inside the first in-flight message. The window is
 * still full then, and the leader must not send more entries (etcd sends an empty MsgApp
 * in that case); it used to trip the Inflights assertion instead.
 */
describe('flow control (etcd Progress/Inflights)', () => {
  it('does not overfill the inflight window on an ack that frees no slot', () => {
    const env = new InteractionEnv();
    const run = (...commands: string[]): void => {
      for (const c of commands) runCommand(env, c);
    };
    run('log-level none', 'add-nodes 3 voters=(1,2,3) index=10 inflight=2', 'campaign 1');
    run('stabilize');
    // Two single-entry MsgApps fill 2's window; c, d, e wait.
    run('propose 1 a', 'propose 1 b', 'process-ready 1');
    run('propose 1 c', 'propose 1 d', 'propose 1 e', 'process-ready 1');
    // 2 acks a and b: c..e go out in one message (14..16), then f (17): the window is full.
    run('deliver-msgs 2', 'process-ready 2', 'deliver-msgs type=MsgAppResp 1');
    run('propose 1 f', 'process-ready 1', 'deliver-msgs drop=(2,3)');
    const leader = env.raw(1).raft;
    const pr = leader.tracker.progress.get(2n)!;
    assert.equal(pr.match, 13);
    assert.equal(pr.inflights.full(), true, `window: ${pr}`);
    // The answer to a stale MsgApp: 2's commit index, 14, inside the message ending at 16.
    run('propose 1 g');
    leader.step(message({ type: 'MsgAppResp', from: 2n, to: 1n, term: leader.term, index: 14 }));
    assert.equal(pr.match, 14);
    assert.ok(pr.inflights.count <= 2, `window overfilled: ${pr}`);
  });
});
