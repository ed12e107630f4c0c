/**
 * The guard's AsyncLocalStorage context is on only while a call may read it: a Watch stream
 * takes its caller explicitly (a resolver, called on each watch it creates) and a
 * LeaseKeepAlive stream reads none, so neither turns the context on for good, while each
 * watch created is still checked as the stream's caller, with the token as it is then.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status as grpcStatus, type ServerUnaryCall } from '@grpc/grpc-js';
import { authError } from '../../src/mvcc/auth/auth-errors.js';
import type { AuthInfo } from '../../src/mvcc/auth/types.js';
import type { AuthGate } from '../../src/server/auth/auth-gate.js';
import { takesStreamCaller } from '../../src/server/auth/explicit-caller.js';
import {
  asCaller,
  callsInContext,
  currentAuth,
  guardService,
  type GuardOptions,
} from '../../src/server/auth/guard.js';
import { servedWithoutCaller } from '../../src/server/http2/fast-path-stream.js';
import { etcdServices } from '../../src/server/proto.js';

const alice = { username: 'alice', revision: 1 } as unknown as AuthInfo;

/** A gate whose token is good for `uses` identifications, then expired. */
function expiringGate(uses: number): { options: GuardOptions; identified: () => number } {
  let count = 0;
  const gate = {
    identify: () => {
      count++;
      if (count > uses) throw authError('InvalidAuthToken');
      return alice;
    },
  } as unknown as AuthGate;
  const options: GuardOptions = {
    gate,
    onBug: (error) => assert.fail(`unexpected bug: ${String(error)}`),
    tls: undefined,
  };
  return { options, identified: () => count };
}

const fakeCall = (): ServerUnaryCall<unknown, unknown> =>
  ({
    metadata: new Metadata(),
    getAuthContext: () => ({}),
    on: () => undefined,
  }) as unknown as ServerUnaryCall<unknown, unknown>;

type StreamHandler = (call: ServerUnaryCall<unknown, unknown>) => void;

describe('auth guard context', () => {
  it('serves a Watch stream without the context, resolving its caller on each use', () => {
    const { options, identified } = expiringGate(2);
    let caller: (() => AuthInfo) | undefined;
    const guarded = guardService(
      etcdServices().Watch,
      { Watch: takesStreamCaller((_call: unknown, resolve) => void (caller = resolve)) },
      options,
    );
    (guarded.Watch as StreamHandler)(fakeCall());
    assert.equal(callsInContext(), 0, 'an open Watch stream put the context on');
    assert.ok(caller !== undefined, 'the handler got no caller');
    assert.equal(identified(), 0, 'the caller was resolved before any use');
    // Each member call made as the caller resolves the token then, not at the stream's start.
    assert.equal(
      asCaller(caller, () => currentAuth()),
      alice,
    );
    assert.equal(
      asCaller(caller, () => currentAuth()),
      alice,
    );
    assert.equal(identified(), 2);
    // The token expired while the stream was open: the next use is refused.
    assert.throws(
      () => asCaller(caller, () => currentAuth()),
      (error: unknown) => (error as { code?: string }).code === 'InvalidAuthToken',
    );
    // Only that call stack saw the caller.
    assert.equal(currentAuth(), undefined);
  });

  it('serves a LeaseKeepAlive stream without the context', () => {
    const { options, identified } = expiringGate(1);
    let ran = false;
    const guarded = guardService(
      etcdServices().Lease,
      { LeaseKeepAlive: servedWithoutCaller(() => void (ran = true)) },
      options,
    );
    (guarded.LeaseKeepAlive as StreamHandler)(fakeCall());
    assert.equal(ran, true);
    assert.equal(callsInContext(), 0, 'an open keep-alive stream put the context on');
    assert.equal(identified(), 0);
  });

  it('serves a Snapshot stream without the context, as its caller resolved at the start', () => {
    const { options, identified } = expiringGate(1);
    let caller: (() => AuthInfo) | undefined;
    const guarded = guardService(
      etcdServices().Maintenance,
      { Snapshot: takesStreamCaller((_call: unknown, resolve) => void (caller = resolve)) },
      options,
    );
    (guarded.Snapshot as StreamHandler)(fakeCall());
    assert.equal(callsInContext(), 0, 'an open Snapshot stream put the context on');
    assert.equal(identified(), 1, 'a server stream resolves its caller once, up front');
    assert.equal(
      asCaller(caller, () => currentAuth()),
      alice,
    );
    assert.equal(identified(), 1);
  });

  it('refuses a Snapshot stream with a bad token before its handler runs', () => {
    const { options } = expiringGate(0);
    let ran = false;
    const guarded = guardService(
      etcdServices().Maintenance,
      { Snapshot: takesStreamCaller((_call: unknown) => void (ran = true)) },
      options,
    );
    let status: { code?: number } | undefined;
    const call = {
      ...fakeCall(),
      emit: (_event: string, error: { code?: number }) => (status = error),
    };
    (guarded.Snapshot as StreamHandler)(call as unknown as ServerUnaryCall<unknown, unknown>);
    assert.equal(ran, false);
    assert.equal(status?.code, grpcStatus.UNAUTHENTICATED);
    assert.equal(callsInContext(), 0);
  });

  it('still runs an unmarked stream in the context, as its caller', () => {
    const { options } = expiringGate(10);
    let seen: AuthInfo | undefined;
    const before = callsInContext();
    const guarded = guardService(
      etcdServices().Watch,
      { Watch: () => void (seen = currentAuth()) },
      options,
    );
    (guarded.Watch as StreamHandler)(fakeCall());
    assert.equal(seen, alice);
    assert.equal(callsInContext(), before + 1);
  });
});
