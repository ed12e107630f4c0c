/**
 * A new leader is promoted from its applied state, which may lag what is committed: a
 * previous leader's renewal reset (a checkpoint entry with remaining TTL 0, committed before
 * that leader acknowledged the renewal) may be applied only after the promotion, which
 * started the lease from the older, shorter checkpoint. Applying the reset must then give
 * the lease its full TTL from the apply, or the new leader revokes it before the TTL the
 * renewal promised (DESIGN.md promise 5).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseDeadlines } from '../../src/node/lease-deadlines.js';

describe('lease deadlines after promotion', () => {
  it('a reset applied after promotion gives the lease its full TTL from then', () => {
    const d = new LeaseDeadlines();
    // Applied state at promotion: lease 1 (TTL 60) checkpointed at 30 s left.
    d.promote([{ id: 1n, ttl: 60, remainingTtl: 30 }], 0, 1000);
    assert.equal(d.remaining(1n, 0), 31);
    // The previous leader's reset (it acknowledged a 60 s renewal just before it died) is
    // applied 2 s into this term.
    d.checkpointApplied([{ id: 1n, remainingTtl: 0 }], 2000);
    assert.deepEqual(d.expired(61_999, 10), [], 'expired before the renewed TTL');
    assert.equal(d.remaining(1n, 2000), 60);
    assert.deepEqual(d.expired(62_000, 10), [1n]);
  });

  it('a checkpoint with a remaining TTL, or one while not leading, changes nothing', () => {
    const d = new LeaseDeadlines();
    d.promote([{ id: 1n, ttl: 60, remainingTtl: 0 }], 0, 1000);
    d.checkpointApplied([{ id: 1n, remainingTtl: 5 }], 2000);
    assert.equal(d.remaining(1n, 0), 61);
    d.checkpointApplied([{ id: 2n, remainingTtl: 0 }], 2000); // unknown lease
    assert.equal(d.remaining(2n, 2000), undefined);
    d.demote();
    d.checkpointApplied([{ id: 1n, remainingTtl: 0 }], 2000);
    assert.equal(d.remaining(1n, 2000), undefined);
  });

  it('a reset never shortens a later deadline', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 10, 0);
    assert.equal(d.renew(1n, 9000), true); // deadline 19 s
    d.checkpointApplied([{ id: 1n, remainingTtl: 0 }], 5000); // 15 s: no change
    assert.equal(d.remaining(1n, 9000), 10);
  });

  it('no checkpoint of a lease is taken while a renewal resets it', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 6, 0);
    d.resetStarted(1n);
    assert.deepEqual(d.checkpoints(5000, 10), []);
    d.resetEnded(1n);
    assert.deepEqual(d.checkpoints(5000, 10), [{ id: 1n, remainingTtl: 1 }]);
  });
});
