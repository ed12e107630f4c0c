import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseDeadlines } from '../../src/node/lease-deadlines.js';

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

  it('checkpoints a lease once it has used 40% of its TTL, then every further 10% (at least 1 s)', () => {
    const d = new LeaseDeadlines();
    d.promote([], 0, 0);
    d.granted(1n, 10, 0);
    assert.deepEqual(d.checkpoints(3000, 10), [], 'a lease renewed on time is never checkpointed');
    assert.deepEqual(d.checkpoints(4500, 10), [{ id: 1n, remainingTtl: 6 }]);
    assert.deepEqual(d.checkpoints(4900, 10), [], 'not again until another second is gone');
    assert.deepEqual(d.checkpoints(5500, 10), [{ id: 1n, remainingTtl: 5 }]);
    assert.equal(d.remaining(1n, 5500), 5);
    d.renew(1n, 6000);
    assert.deepEqual(d.checkpoints(6000, 10), [], 'a renewal starts over');
  });
});
