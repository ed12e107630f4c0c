import assert from 'node:assert/strict';
import { status, type Client, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { after, afterEach, before, describe, it } from 'node:test';
import { eventually } from '../helpers/wait.js';
import { rawClient, startServer, type Harness } from './harness.js';

/**
 * A KV write waiting on the member (as for a quorum that is not there) stops waiting when its
 * client cancels: the member's wait sees the abort through the call's CancelSignal
 * (src/server/services/unary.ts), one listener or several.
 */
type Callback = (error: ServiceError | null, response: unknown) => void;

/** A raw Put whose call can be cancelled. */
function put(kv: Client, key: string, callback: Callback): ClientUnaryCall {
  const method = (kv as unknown as Record<string, (r: object, cb: Callback) => ClientUnaryCall>)
    .put!;
  return method.call(kv, { key: Buffer.from(key), value: Buffer.from('1') }, callback);
}

/** Starts a Put; its promise resolves with the error the client saw (null: success). */
function startPut(
  kv: Client,
  key: string,
): { call: ClientUnaryCall; outcome: Promise<ServiceError | null> } {
  let call: ClientUnaryCall | undefined;
  const outcome = new Promise<ServiceError | null>((resolve) => {
    call = put(kv, key, (error) => resolve(error));
  });
  return { call: call!, outcome };
}

describe('KV writes: client cancellation reaches the member', () => {
  let harness: Harness;

  before(async () => {
    harness = await startServer();
  });
  afterEach(() => {
    harness.member.stallWrites = false;
  });
  after(() => harness.close());

  it('a cancelled Put stops waiting; the client sees CANCELLED', async () => {
    const kv = rawClient('KV', harness.endpoint);
    harness.member.stallWrites = true;
    const { waiting, canceled } = harness.member.stalls;
    const { call, outcome } = startPut(kv, 'a');
    await eventually(
      'the Put to wait on the member',
      () => harness.member.stalls.waiting,
      (n) => n === waiting + 1,
    );
    call.cancel();
    assert.equal((await outcome)?.code, status.CANCELLED);
    await eventually(
      "the member's wait to see the cancellation",
      () => ({ ...harness.member.stalls }),
      (s) => s.canceled === canceled + 1 && s.waiting === waiting,
    );
    kv.close();
  });

  it('two cancelled waits on one connection each end; later calls are served', async () => {
    const kv = rawClient('KV', harness.endpoint);
    harness.member.stallWrites = true;
    const { waiting, canceled } = harness.member.stalls;
    const puts = [startPut(kv, 'b'), startPut(kv, 'c')];
    await eventually(
      'both Puts to wait on the member',
      () => harness.member.stalls.waiting,
      (n) => n === waiting + 2,
    );
    for (const { call } of puts) call.cancel();
    for (const { outcome } of puts) assert.equal((await outcome)?.code, status.CANCELLED);
    await eventually(
      'the member to see both cancellations',
      () => harness.member.stalls.canceled,
      (n) => n === canceled + 2,
    );
    harness.member.stallWrites = false;
    assert.equal(await startPut(kv, 'd').outcome, null);
    kv.close();
  });
});
