/**
 * The client's retry rule, identity lanes and option checks, without a server: which
 * failures a read, an identified write and an unidentified write retry; that a lane is
 * never shared by two writes in flight; that bad options name themselves.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { resolveOptions } from '../../src/client/options.js';
import { IdentityLanes } from '../../src/client/request-identity.js';
import { backoffMs, retryable, shouldFailover, type CallKind } from '../../src/client/retry.js';

function failure(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

describe('retry rule', () => {
  const refused = failure(
    status.UNAVAILABLE,
    'No connection established. Last error: connect ECONNREFUSED',
  );
  const dropped = failure(status.UNAVAILABLE, 'Connection dropped');
  const noLeader = failure(status.UNAVAILABLE, 'etcdserver: no leader');
  const timedOut = failure(status.UNAVAILABLE, 'etcdserver: request timed out');
  const badKey = failure(status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
  const cases: [string, ServiceError, CallKind, boolean, boolean][] = [
    // name, error, kind, identified, retried
    ['a read, connection dropped', dropped, 'read', false, true],
    ['a read, no leader', noLeader, 'read', false, true],
    ['a read, bad input', badKey, 'read', false, false],
    ['an identified write, connection dropped', dropped, 'write', true, true],
    ['an identified write, timed out', timedOut, 'write', true, true],
    ['an identified write, bad input', badKey, 'write', true, false],
    ['an unidentified write, never connected', refused, 'write', false, true],
    ['an unidentified write, no leader', noLeader, 'write', false, true],
    ['an unidentified write, connection dropped', dropped, 'write', false, false],
    ['an unidentified write, timed out', timedOut, 'unidentified-write', false, false],
  ];
  for (const [name, error, kind, identified, retried] of cases) {
    test(`${name}: ${retried ? 'retried' : 'not retried'}`, () =>
      assert.equal(retryable(error, kind, identified), retried));
  }

  test('unavailable members and lost leaders move the client on; bad input does not', () => {
    assert.equal(shouldFailover(dropped), true);
    assert.equal(shouldFailover(noLeader), true);
    assert.equal(shouldFailover(badKey), false);
  });

  test('backoff grows, with jitter, and is capped', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const ms = backoffMs(attempt, 25, 1_000);
      const cap = Math.min(1_000, 25 * 2 ** (attempt - 1));
      assert.ok(ms >= cap / 2 && ms <= cap, `attempt ${attempt}: ${ms}`);
    }
  });
});

describe('identity lanes', () => {
  test('at most max lanes in flight; a released lane goes to the next waiter', async () => {
    const lanes = new IdentityLanes(2);
    const a = await lanes.acquire();
    const b = await lanes.acquire();
    assert.notEqual(a.clientId, b.clientId);
    let third: unknown;
    const waiting = lanes.acquire().then((lane) => (third = lane));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, undefined, 'a third write waits');
    lanes.release(a);
    assert.equal(await waiting, a);
  });

  test('sequences increase per lane; renew starts a new client ID from 1', async () => {
    const lane = await new IdentityLanes(1).acquire();
    assert.deepEqual([lane.next(), lane.next(), lane.next()], [1, 2, 3]);
    const before = lane.clientId;
    lane.renew();
    assert.notEqual(lane.clientId, before);
    assert.match(lane.clientId, /^[1-9][0-9]*$/, 'a decimal 64-bit number');
    assert.equal(lane.next(), 1);
  });

  test('a waiter whose signal aborts gives up its place', async () => {
    const lanes = new IdentityLanes(1);
    const held = await lanes.acquire();
    const controller = new AbortController();
    const waiting = lanes.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    lanes.release(held);
    assert.equal(await lanes.acquire(), held, 'the lane was not handed to the aborted waiter');
  });
});

describe('options', () => {
  test('endpoints: host:port, http:// and https:// (TLS)', () => {
    const resolved = resolveOptions({
      endpoints: ['127.0.0.1:2379', 'http://10.0.0.2:2379', 'https://db.example:2379/'],
    });
    assert.deepEqual(resolved.endpoints, [
      { address: '127.0.0.1:2379', secure: false },
      { address: '10.0.0.2:2379', secure: false },
      { address: 'db.example:2379', secure: true },
    ]);
    assert.equal(resolved.requestIdentity, 'auto');
  });

  test('bad options name themselves', () => {
    assert.throws(() => resolveOptions({ endpoints: [] }), /endpoints is empty/);
    assert.throws(
      () => resolveOptions({ endpoints: ['a:1'], requestTimeoutMs: 0 }),
      /requestTimeoutMs must be a positive number/,
    );
  });
});
