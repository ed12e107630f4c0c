/**
 * The auth guard covers every handler grpc-js would serve: one registered under a method's
 * originalName ('range') is guarded like one under its name ('Range'), and a handler that
 * names no method is refused at registration instead of running unchecked, as the member.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status, type ServerUnaryCall, type StatusObject } from '@grpc/grpc-js';
import { authError } from '../../src/mvcc/auth/auth-errors.js';
import type { AuthGate } from '../../src/server/auth/auth-gate.js';
import { guardService, type GuardOptions } from '../../src/server/auth/guard.js';
import { etcdServices } from '../../src/server/proto.js';

// A gate that refuses every caller's token: a guarded handler must never run.
const refusing: GuardOptions = {
  gate: {
    identify: () => {
      throw authError('InvalidAuthToken');
    },
  } as unknown as AuthGate,
  onBug: (error) => assert.fail(`unexpected bug: ${String(error)}`),
  tls: undefined,
};

describe('auth guard registration', () => {
  it('guards a handler registered under the original (lowerCamel) method name', () => {
    let ran = false;
    const guarded = guardService(etcdServices().KV, { range: () => void (ran = true) }, refusing);
    const call = { metadata: new Metadata(), getAuthContext: () => ({}) };
    let answer: Partial<StatusObject> | undefined;
    (guarded.range as (c: unknown, cb: (e: Partial<StatusObject>) => void) => void)(
      call as unknown as ServerUnaryCall<unknown, unknown>,
      (error) => (answer = error),
    );
    assert.equal(ran, false, 'the handler ran despite an invalid token');
    assert.equal(answer?.code, status.UNAUTHENTICATED);
    assert.equal(answer?.details, 'etcdserver: invalid auth token');
  });

  it('refuses a handler that is no method of the service', () => {
    assert.throws(
      () => guardService(etcdServices().KV, { Rnage: () => undefined }, refusing),
      /Rnage is not a method of the service/,
    );
  });
});
