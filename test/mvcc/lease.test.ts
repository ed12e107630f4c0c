// Leases: grant (IDs, TTL bounds, minimum TTL), attach/detach on put/delete/overwrite,
// revoke (every key in one revision), checkpoints, listing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseTtlMaxSeconds, minLeaseTtlSeconds } from '../../src/mvcc/lessor.js';
import type { WatchResponse } from '../../src/mvcc/watch-hub.js';
import { Harness, s, t } from './helpers.js';

const keysOf = (h: Harness, id: bigint): string[] | undefined =>
  h.sm.timeToLive(id)?.keys.map((k) => t(k));

describe('leases', () => {
  it('grants with the chosen ID, raising the TTL to the minimum', () => {
    const h = new Harness(undefined, { minLeaseTtlSeconds: 5 });
    assert.deepEqual(h.grant(1n, 2), { id: 1n, ttl: 5, revision: 1 });
    assert.deepEqual(h.grant(2n, 60), { id: 2n, ttl: 60, revision: 1 });
    assert.deepEqual(h.grant(-3n, leaseTtlMaxSeconds).ttl, leaseTtlMaxSeconds);
    assert.deepEqual(
      h.sm.leases().map((l) => l.id),
      [-3n, 1n, 2n],
    );
    assert.equal(h.sm.currentRevision, 1, 'grants take no revision');
  });

  it("refuses an existing ID, a TTL over etcd's maximum, and ID 0", () => {
    const h = new Harness();
    h.grant(1n, 10);
    const grant = (id: bigint, ttl: number) =>
      h.rejected({ type: 'leaseGrant', request: { id, ttl } });
    assert.equal(grant(1n, 10), 'LeaseExists');
    assert.equal(grant(2n, leaseTtlMaxSeconds + 1), 'LeaseTtlTooLarge');
    assert.equal(grant(0n, 10), 'InvalidArgument');
    assert.equal(h.sm.leases().length, 1);
  });

  it('computes etcd minimum TTL from the election timeout', () => {
    // etcd defaults: 100 ms heartbeat, 1000 ms election = 10 ticks: 1.5 s, rounded up.
    assert.equal(minLeaseTtlSeconds(10, 100), 2);
    assert.equal(minLeaseTtlSeconds(50, 100), 8);
  });

  it('attaches on put, moves on overwrite, detaches on delete and on a put without lease', () => {
    const h = new Harness();
    h.grant(1n, 10);
    h.grant(2n, 10);
    h.put('a', '1', { lease: 1n });
    h.put('b', '1', { lease: 1n });
    h.put('c', '1', { lease: 1n });
    assert.deepEqual(keysOf(h, 1n), ['a', 'b', 'c']);
    h.put('a', '2', { lease: 2n });
    h.del('b');
    h.put('c', '2');
    assert.deepEqual(keysOf(h, 1n), []);
    assert.deepEqual(keysOf(h, 2n), ['a']);
    assert.equal(keysOf(h, 9n), undefined);
  });

  it('revokes: deletes every attached key in one revision, then forgets the lease', () => {
    const h = new Harness();
    h.grant(1n, 10);
    h.put('x', '1', { lease: 1n }); // 2
    h.put('y', '1', { lease: 1n }); // 3
    h.put('other', '1'); // 4
    const seen: WatchResponse[] = [];
    h.sm.watches.watch({ key: s('\0'), rangeEnd: s('\0'), sink: (r) => seen.push(r) > 0 });
    assert.equal(h.revoke(1n).revision, 5);
    assert.deepEqual(h.keys('\0', '\0'), ['other']);
    assert.equal(seen.length, 1);
    assert.deepEqual(
      seen[0]!.events.map((e) => `${e.type} ${t(e.kv.key)}`),
      ['DELETE x', 'DELETE y'],
    );
    assert.equal(h.sm.timeToLive(1n), undefined);
    assert.equal(h.rejected({ type: 'leaseRevoke', request: { id: 1n } }), 'LeaseNotFound');
    h.grant(2n, 10);
    assert.equal(h.revoke(2n).revision, 5, 'a lease with no keys revokes without a revision');
  });

  it('refuses a put with a revoked lease', () => {
    const h = new Harness();
    h.grant(1n, 10);
    h.revoke(1n);
    const code = h.rejected({ type: 'put', request: { key: s('k'), value: s('v'), lease: 1n } });
    assert.equal(code, 'LeaseNotFound');
  });

  it('records checkpoints of remaining TTL, ignoring unknown leases', () => {
    const h = new Harness();
    h.grant(1n, 100);
    assert.equal(h.sm.timeToLive(1n)?.remainingTtl, 0);
    h.ok({
      type: 'leaseCheckpoint',
      request: {
        checkpoints: [
          { id: 1n, remainingTtl: 42 },
          { id: 7n, remainingTtl: 1 },
        ],
      },
    });
    assert.deepEqual(h.sm.leases(), [{ id: 1n, ttl: 100, remainingTtl: 42 }]);
  });
});
