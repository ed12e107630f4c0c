import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { message } from '../../../src/raft/message.js';
import { ReadOnly } from '../../../src/raft/read-only.js';
import type { Message } from '../../../src/raft/types.js';

const ctx = (s: string): Uint8Array => new TextEncoder().encode(s);
const request = (s: string): Message => message({ type: 'MsgReadIndex', context: ctx(s) });

describe('ReadOnly (dissertation 6.4)', () => {
  it('collects heartbeat acks per request context', () => {
    const ro = new ReadOnly(10);
    assert.equal(ro.addRequest(5, request('a')), true);
    assert.deepEqual([...ro.recvAck(1n, ctx('a'))!], [1n]);
    assert.deepEqual([...ro.recvAck(2n, ctx('a'))!].sort(), [1n, 2n]);
    assert.equal(ro.recvAck(2n, ctx('unknown')), undefined);
  });

  it('advancing a request also releases every request queued before it', () => {
    const ro = new ReadOnly(10);
    ro.addRequest(5, request('a'));
    ro.addRequest(6, request('b'));
    ro.addRequest(7, request('c'));
    assert.equal(new TextDecoder().decode(ro.lastPendingContext()), 'c');
    const done = ro.advance(ctx('b'));
    assert.deepEqual(
      done.map((s) => s.index),
      [5, 6],
    );
    assert.equal(ro.size, 1);
    assert.deepEqual(ro.advance(ctx('b')), []);
    assert.deepEqual(
      ro.advance(ctx('c')).map((s) => s.index),
      [7],
    );
    assert.equal(ro.lastPendingContext(), undefined);
  });

  it('ignores a duplicate context and refuses past its limit', () => {
    const ro = new ReadOnly(2);
    assert.equal(ro.addRequest(5, request('a')), true);
    assert.equal(ro.addRequest(6, request('a')), true);
    assert.equal(ro.size, 1);
    assert.equal(ro.addRequest(6, request('b')), true);
    assert.equal(ro.addRequest(7, request('c')), false);
    assert.equal(ro.advance(ctx('a'))[0]!.index, 5, 'the first request keeps its index');
  });
});
