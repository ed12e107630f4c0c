// Alarms through Raft (etcd's AlarmRequest): ACTIVATE / DEACTIVATE / GET per member and type,
// etcd's response rules, the writes an active alarm refuses (NOSPACE: what adds data;
// CORRUPT: every change), the operator's way back (compact, defragment, deactivate), and
// the alarm set surviving restart and snapshot/restore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { StateMachine } from '../../src/mvcc/state-machine.js';
import type { AlarmRequest, AlarmResponse, StateMachineRequest } from '../../src/mvcc/types.js';
import { Harness, s } from './helpers.js';

function alarm(h: Harness, request: AlarmRequest): string[] {
  const r = h.ok({ type: 'alarm', request }) as AlarmResponse & { revision: number };
  return r.alarms.map((a) => `${a.memberId}:${a.alarm}`);
}
const list = (sm: StateMachine, type: 'NOSPACE' | 'CORRUPT' | 'NONE' = 'NONE'): string[] =>
  sm.alarms(type).map((a) => `${a.memberId}:${a.alarm}`);

const put: StateMachineRequest = { type: 'put', request: { key: s('k'), value: s('v') } };
const txnWith = (op: 'put' | 'range'): StateMachineRequest => ({
  type: 'txn',
  request: {
    compare: [],
    success: [],
    failure: [
      {
        requestTxn: {
          compare: [],
          success: [
            op === 'put'
              ? { requestPut: { key: s('t'), value: s('v') } }
              : { requestRange: { key: s('t') } },
          ],
          failure: [],
        },
      },
    ],
  },
});

describe('alarms', () => {
  it("activates, lists and deactivates per member and type, with etcd's responses", () => {
    const h = new Harness();
    assert.deepEqual(alarm(h, { action: 'ACTIVATE', memberId: 2n, alarm: 'NOSPACE' }), [
      '2:NOSPACE',
    ]);
    // Already active: the same alarm again, nothing new.
    assert.deepEqual(alarm(h, { action: 'ACTIVATE', memberId: 2n, alarm: 'NOSPACE' }), [
      '2:NOSPACE',
    ]);
    assert.deepEqual(alarm(h, { action: 'ACTIVATE', memberId: 1n, alarm: 'NONE' }), []);
    alarm(h, { action: 'ACTIVATE', memberId: 2n ** 64n - 1n, alarm: 'CORRUPT' });
    alarm(h, { action: 'ACTIVATE', memberId: 1n, alarm: 'NOSPACE' });
    const all = ['1:NOSPACE', '2:NOSPACE', '18446744073709551615:CORRUPT'];
    assert.deepEqual(list(h.sm), all);
    assert.deepEqual(alarm(h, { action: 'GET', memberId: 0n, alarm: 'NONE' }), all);
    assert.deepEqual(alarm(h, { action: 'GET', memberId: 0n, alarm: 'NOSPACE' }), all.slice(0, 2));
    assert.deepEqual(list(h.sm, 'CORRUPT'), all.slice(2));
    // Deactivating: the alarm cleared, or nothing when it was not active.
    assert.deepEqual(alarm(h, { action: 'DEACTIVATE', memberId: 1n, alarm: 'CORRUPT' }), []);
    assert.deepEqual(alarm(h, { action: 'DEACTIVATE', memberId: 1n, alarm: 'NOSPACE' }), [
      '1:NOSPACE',
    ]);
    assert.deepEqual(alarm(h, { action: 'DEACTIVATE', memberId: 1n, alarm: 'NOSPACE' }), []);
    assert.deepEqual(list(h.sm), all.slice(1));
    assert.equal(h.sm.currentRevision, 1, 'alarms take no revision');
  });

  it('NOSPACE refuses what adds data until the last NOSPACE alarm is cleared', () => {
    const h = new Harness();
    h.put('a', '1');
    h.grant(1n, 60);
    alarm(h, { action: 'ACTIVATE', memberId: 1n, alarm: 'NOSPACE' });
    alarm(h, { action: 'ACTIVATE', memberId: 2n, alarm: 'NOSPACE' });
    for (const request of [
      put,
      txnWith('put'),
      { type: 'leaseGrant', request: { id: 2n, ttl: 60 } } satisfies StateMachineRequest,
    ]) {
      assert.equal(h.rejected(request), 'NoSpace', request.type);
    }
    // What frees space, reads and bookkeeping still apply.
    h.ok(txnWith('range'));
    h.del('a');
    h.compact(3);
    h.ok({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 1n, remainingTtl: 9 }] } });
    h.revoke(1n);
    // The operator frees space (compact above; defragment is the backend's), then clears it.
    alarm(h, { action: 'DEACTIVATE', memberId: 1n, alarm: 'NOSPACE' });
    assert.equal(h.rejected(put), 'NoSpace', 'member 2 still has its alarm');
    alarm(h, { action: 'DEACTIVATE', memberId: 2n, alarm: 'NOSPACE' });
    assert.equal(h.put('k', 'v').revision, 4);
  });

  it('CORRUPT refuses every change but alarms and lease checkpoints', () => {
    const h = new Harness();
    h.put('a', '1');
    h.grant(1n, 60);
    alarm(h, { action: 'ACTIVATE', memberId: 3n, alarm: 'CORRUPT' });
    const refused: StateMachineRequest[] = [
      put,
      txnWith('range'),
      { type: 'deleteRange', request: { key: s('a') } },
      { type: 'compaction', request: { revision: 2 } },
      { type: 'leaseGrant', request: { id: 2n, ttl: 60 } },
      { type: 'leaseRevoke', request: { id: 1n } },
    ];
    for (const request of refused) assert.equal(h.rejected(request), 'Corrupt', request.type);
    h.ok({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 1n, remainingTtl: 9 }] } });
    alarm(h, { action: 'DEACTIVATE', memberId: 3n, alarm: 'CORRUPT' });
    assert.equal(h.put('k', 'v').revision, 3);
  });

  it('survives restart and snapshot/restore, refusals included', () => {
    const h = new Harness();
    alarm(h, { action: 'ACTIVATE', memberId: 5n, alarm: 'NOSPACE' });
    alarm(h, { action: 'ACTIVATE', memberId: 6n, alarm: 'CORRUPT' });
    const restarted = new StateMachine(h.backend);
    const restored = new StateMachine(new MemoryBackend());
    restored.restoreSnapshot(h.sm.snapshot());
    for (const sm of [restarted, restored]) {
      assert.deepEqual(list(sm), ['5:NOSPACE', '6:CORRUPT']);
      const r = sm.apply(h.index + 1, 1, put);
      assert.equal(r.status === 'rejected' && r.error.code, 'Corrupt');
    }
  });
});
