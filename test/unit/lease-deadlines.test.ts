import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkpointLagMs,
  checkpointStepMs,
  LeaseDeadlines,
} from '../../src/node/lease-deadlines.js';

describe('lease deadlines', () => {
  it('keeps no time while not leader', () => {
    const d = new LeaseDeadlines();
    d.granted(1n, 10, 0);
    assert.deepEqual(d.expired(1e9, 10), []);
    assert.equal(d.renew(1n, 0), false);
  });

  it('expires a lease exactly when its TTL has passed since grant or renewal', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 5, 1000);
    assert.deepEqual(d.expired(5999, 10), []);
    assert.deepEqual(d.expired(6000, 10), [1n]);
    assert.equal(d.renew(1n, 5500), true);
    assert.deepEqual(d.expired(10_499, 10), []);
    assert.deepEqual(d.expired(10_500, 10), [1n]);
  });

  it('starts a new leader from the checkpointed remaining TTL plus grace, never earlier', () => {
    const d = new LeaseDeadlines();
    d.promote(
      [
        { id: 1n, ttl: 60, remainingTtl: 10 },
        { id: 2n, ttl: 30, remainingTtl: 0 },
      ],
      100_000,
      1000,
    );
    assert.deepEqual(d.expired(110_999, 10), []);
    assert.deepEqual(d.expired(111_000, 10), [1n]);
    assert.deepEqual(d.expired(131_000, 10), [1n, 2n]);
  });

  it('bounds expiry batches, oldest first, and forgets revoked leases', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(3n, 3, 0);
    d.granted(1n, 1, 0);
    d.granted(2n, 2, 0);
    assert.deepEqual(d.expired(10_000, 2), [1n, 2n]);
    d.revoked(1n);
    assert.deepEqual(d.expired(10_000, 10), [2n, 3n]);
  });

  it('checkpoints a lease once half its TTL is gone, then every further quarter (at least 1 s)', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 10, 0);
    assert.deepEqual(d.checkpoints(3400, 10), [], 'a lease renewed on time (TTL/3) never is');
    assert.deepEqual(d.checkpoints(4900, 10), []);
    assert.deepEqual(d.checkpoints(5000, 10), [{ id: 1n, remainingTtl: 5 }]);
    assert.deepEqual(d.checkpoints(7400, 10), [], 'not again until another quarter is gone');
    assert.deepEqual(d.checkpoints(7500, 10), [{ id: 1n, remainingTtl: 3 }]);
    assert.equal(d.remaining(1n, 7500), 3);
    d.renew(1n, 8000);
    assert.deepEqual(d.checkpoints(12_900, 10), [], 'a renewal starts over');
    assert.deepEqual(d.checkpoints(13_000, 10), [{ id: 1n, remainingTtl: 5 }]);
  });

  it('rounds a checkpoint up, so a new leader never expires a lease early', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 6, 0);
    const [checkpoint] = d.checkpoints(3300, 10); // 2.7 s left
    assert.deepEqual(checkpoint, { id: 1n, remainingTtl: 3 });
    // The old leader is gone at 3400 (2.6 s left); the new one starts from the checkpoint.
    const next = new LeaseDeadlines();
    next.promote([{ id: 1n, ttl: 6, remainingTtl: 3 }], 3400, 500);
    assert.deepEqual(next.expired(3400 + 2600, 10), [], 'alive when its true TTL ends');
    assert.deepEqual(next.expired(3400 + 3500, 10), [1n], 'gone by checkpoint + grace');
  });

  it('bounds the extra life a leader change gives: below the lag + period + grace', () => {
    const periodMs = 500;
    const graceMs = 1000;
    for (const ttl of [2, 5, 6, 10, 60, 3600, 86_400]) {
      const boundMs = checkpointLagMs(ttl) + periodMs + graceMs;
      assert.ok(checkpointStepMs(ttl) <= checkpointLagMs(ttl));
      // The leader scans every period; at every moment a new leader could take over, its
      // deadline (last checkpoint, or the full TTL, + grace) is at most the bound late.
      const d = new LeaseDeadlines();
      d.promote([], 0, 0);
      d.granted(1n, ttl, 0);
      let stored = 0;
      for (let now = 0; now < ttl * 1000; now += periodMs) {
        for (const c of d.checkpoints(now, 10)) stored = c.remainingTtl;
        for (const at of [now, now + periodMs - 1]) {
          if (at >= ttl * 1000) continue;
          const trueRemainingMs = ttl * 1000 - at;
          const startMs = (stored > 0 ? stored : ttl) * 1000 + graceMs;
          assert.ok(startMs >= trueRemainingMs, `ttl ${ttl} at ${at}: never early`);
          assert.ok(
            startMs - trueRemainingMs < boundMs,
            `ttl ${ttl} at ${at}: ${startMs - trueRemainingMs} ms late, bound ${boundMs}`,
          );
        }
      }
    }
    assert.equal(checkpointLagMs(6), 3000);
    assert.equal(checkpointLagMs(3600), 300_000, "at most etcd's 5 minute interval");
  });

  it('continues from the checkpoint a new leader started from', () => {
    const d = new LeaseDeadlines();
    d.promote([{ id: 1n, ttl: 20, remainingTtl: 8 }], 0, 1000);
    assert.deepEqual(d.checkpoints(5900, 10), [], 'step: 5 s below the checkpoint of 8');
    assert.deepEqual(d.checkpoints(6000, 10), [{ id: 1n, remainingTtl: 3 }]);
  });

  it('remembers a checkpoint it proposed until the lease is renewed (a renewal must reset it)', () => {
    const d = new LeaseDeadlines();
    d.promote([{ id: 2n, ttl: 100, remainingTtl: 90 }], 0, 0);
    d.granted(1n, 10, 0);
    assert.equal(d.hasCheckpoint(1n), false);
    assert.equal(d.hasCheckpoint(2n), true, 'taken over from the state machine');
    assert.deepEqual(d.checkpoints(5000, 10), [{ id: 1n, remainingTtl: 5 }]);
    assert.equal(d.hasCheckpoint(1n), true, 'proposed, maybe not yet applied');
    assert.equal(d.renew(1n, 5000), true);
    assert.equal(d.renew(2n, 5000), true);
    assert.equal(d.hasCheckpoint(1n), false);
    assert.equal(d.hasCheckpoint(2n), false);
  });
});
