// Compaction: historical reads before and after, physical deletion in bounded steps, errors,
// and HashKV staying equal whatever the physical progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/mvcc/backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { bytesToRevision } from '../../src/mvcc/revision.js';
import { Harness, kvText, s } from './helpers.js';

function stored(backend: Backend): string[] {
  const out: string[] = [];
  backend.scan('key', {}, (key) => {
    const { revision, tombstone } = bytesToRevision(key);
    out.push(`${revision.main}.${revision.sub}${tombstone ? 't' : ''}`);
  });
  return out;
}

// 2: a=1  3: b=1  4: a=2  5: txn{c=1, a=3}  6: del b  7: a=4  8: b=2
function history(backend: Backend = new MemoryBackend()): Harness {
  const h = new Harness(backend);
  h.put('a', '1');
  h.put('b', '1');
  h.put('a', '2');
  h.txn({
    compare: [],
    success: [
      { requestPut: { key: s('c'), value: s('1') } },
      { requestPut: { key: s('a'), value: s('3') } },
    ],
    failure: [],
  });
  h.del('b');
  h.put('a', '4');
  h.put('b', '2');
  return h;
}

function snapshotReads(h: Harness, from: number): string[] {
  const out: string[] = [];
  for (let rev = from; rev <= h.sm.currentRevision; rev++) {
    const r = h.sm.range({ key: s('\0'), rangeEnd: s('\0'), revision: rev });
    out.push(`${rev}: ${r.kvs.map(kvText).join(' ')}`);
  }
  return out;
}

describe('compaction', () => {
  it('keeps every read at or after the compact revision unchanged', () => {
    const h = history();
    const before = snapshotReads(h, 5);
    h.compact(5);
    assert.deepEqual(snapshotReads(h, 5), before);
    while (!h.sm.compactStep(1));
    assert.deepEqual(snapshotReads(h, 5), before);
  });

  it('refuses to compact at or below the compact revision, or past the current one', () => {
    const h = history();
    h.compact(4);
    assert.equal(h.rejected({ type: 'compaction', request: { revision: 4 } }), 'RevisionCompacted');
    assert.equal(h.rejected({ type: 'compaction', request: { revision: 3 } }), 'RevisionCompacted');
    assert.equal(h.rejected({ type: 'compaction', request: { revision: 9 } }), 'FutureRevision');
    h.compact(8);
    assert.equal(h.sm.compactRevision, 8);
  });

  it('deletes superseded revisions physically, in bounded steps, and records when done', () => {
    const backend = new MemoryBackend();
    const h = history(backend);
    assert.deepEqual(stored(backend), ['2.0', '3.0', '4.0', '5.0', '5.1', '6.0t', '7.0', '8.0']);
    h.compact(6);
    // Logically compacted, nothing deleted yet: the driver runs the steps.
    assert.equal(stored(backend).length, 8);
    assert.equal(h.sm.finishedCompactRevision, 0);
    let steps = 0;
    while (!h.sm.compactStep(2)) steps++;
    assert.ok(steps >= 2, `took ${steps} extra steps`);
    // Kept: c's put at 5.0, a's latest at or before 6 (5.1), b's tombstone at exactly 6.
    assert.deepEqual(stored(backend), ['5.0', '5.1', '6.0t', '7.0', '8.0']);
    assert.equal(h.sm.finishedCompactRevision, 6);
    // A later compaction past the tombstone removes it, and b's older history with it.
    h.compact(8);
    while (!h.sm.compactStep(100));
    assert.deepEqual(stored(backend), ['5.0', '7.0', '8.0']);
    assert.equal(kvText(h.get('b', 8)), 'b=2@8/8/1');
  });

  it('drops fully deleted keys from the index', () => {
    const h = new Harness();
    h.put('gone', 'x'); // 2
    h.del('gone'); // 3
    h.put('other', 'y'); // 4
    h.compact(4);
    while (!h.sm.compactStep(10));
    assert.equal(h.get('gone'), undefined);
    assert.equal(h.sm.range({ key: s('\0'), rangeEnd: s('\0') }).count, 1);
  });
});

describe('HashKV', () => {
  it('is equal on members with the same history, whatever their physical compaction', () => {
    const a = history();
    const b = history();
    a.compact(6);
    b.compact(6);
    const before = a.sm.hashKv();
    while (!a.sm.compactStep(1));
    assert.deepEqual(a.sm.hashKv(), before);
    assert.deepEqual(b.sm.hashKv(), before);
    assert.deepEqual(a.sm.hashKv(7), b.sm.hashKv(7));
    assert.equal(before.compactRevision, 6);
    assert.equal(before.hashRevision, 8);
  });

  it('differs when the history differs, and covers only revisions up to its own', () => {
    const a = history();
    const b = history();
    b.put('extra', '!');
    assert.notEqual(a.sm.hashKv().hash, b.sm.hashKv().hash);
    assert.equal(a.sm.hashKv(8).hash, b.sm.hashKv(8).hash);
    assert.throws(() => a.sm.hashKv(99), /future revision/);
    a.compact(6);
    assert.throws(() => a.sm.hashKv(5), /compacted/);
  });
});
