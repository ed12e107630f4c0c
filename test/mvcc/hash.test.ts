// Maintenance.Hash over the whole backend: exactly the documented bytes, every bucket, equal
// on members with the same applied state (whatever their consistent index), stable across
// restart and snapshot/restore; and HashKV next to it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '../../src/base/crc32c.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { hashBackend } from '../../src/mvcc/hash.js';
import { StateMachine } from '../../src/mvcc/state-machine.js';
import { Harness, s } from './helpers.js';

function history(h: Harness): void {
  h.grant(7n, 60);
  h.put('a', '1', { lease: 7n });
  h.put('b', '1');
  h.del('b');
  h.ok({ type: 'alarm', request: { action: 'ACTIVATE', memberId: 1n, alarm: 'NOSPACE' } });
  h.sm.apply(
    ++h.index,
    1,
    { type: 'deleteRange', request: { key: s('a') } },
    {
      clientId: 'c',
      sequence: 1,
    },
  );
}

describe('hash (whole backend)', () => {
  it('hashes exactly: buckets by name, length-prefixed entries, without index and term', () => {
    const backend = new MemoryBackend();
    backend.write((tx) => {
      tx.put('key', s('k1'), s('value-1'));
      tx.put('lease', s('L'), s(''));
      tx.put('meta', s('consistent_index'), s('x'));
      tx.put('meta', s('term'), s('y'));
      tx.put('meta', s('finishedCompactRev'), s('z'));
    });
    const parts = [
      'alarm',
      'auth',
      'key',
      [2, 'k1', 7, 'value-1'],
      'lease',
      [1, 'L', 0, ''],
      'members',
      'meta',
      [18, 'finishedCompactRev', 1, 'z'],
      'session',
    ].flatMap((p) =>
      typeof p === 'string'
        ? [s(p)]
        : p.map((x) => (typeof x === 'number' ? new Uint8Array([x]) : s(x))),
    );
    const want = parts.reduce((crc, bytes) => crc32c(bytes, crc), 0);
    assert.deepEqual(hashBackend(backend, 9), { hash: want, revision: 9 });
  });

  it('is equal on members with the same applied data, though one applied an empty entry more', () => {
    const a = new Harness();
    const b = new Harness();
    history(a);
    history(b);
    b.sm.applyNoop(++b.index, 2); // one more entry, empty (after an election, say)
    assert.notEqual(a.sm.appliedIndex, b.sm.appliedIndex);
    assert.deepEqual(a.sm.hash(), b.sm.hash());
    assert.equal(a.sm.hash().revision, a.sm.currentRevision);
  });

  it('changes with every bucket the state machine writes', () => {
    const h = new Harness();
    const seen = new Set<number>([h.sm.hash().hash]);
    const changes: (() => void)[] = [
      () => h.put('k', 'v'),
      () => h.grant(1n, 10),
      () =>
        h.ok({ type: 'alarm', request: { action: 'ACTIVATE', memberId: 1n, alarm: 'CORRUPT' } }),
      () =>
        h.sm.apply(
          ++h.index,
          1,
          { type: 'alarm', request: { action: 'GET', memberId: 0n, alarm: 'NONE' } },
          { clientId: 'c', sequence: 1 },
        ),
    ];
    for (const change of changes) {
      change();
      const { hash } = h.sm.hash();
      assert.ok(!seen.has(hash), 'hash unchanged by a write');
      seen.add(hash);
    }
  });

  it('survives restart and snapshot/restore; HashKV stays what it was', () => {
    const h = new Harness();
    history(h);
    h.compact(3);
    while (!h.sm.compactStep(100));
    const restarted = new StateMachine(h.backend);
    const restored = new StateMachine(new MemoryBackend());
    restored.restoreSnapshot(h.sm.snapshot());
    for (const sm of [restarted, restored]) {
      assert.deepEqual(sm.hash(), h.sm.hash());
      assert.deepEqual(sm.hashKv(), h.sm.hashKv());
    }
  });
});
