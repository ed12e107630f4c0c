import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../../src/base/errors.js';
import { MemoryStorage } from '../../../src/raft/storage.js';
import type { EntryType } from '../../../src/raft/types.js';
import { ents, ids } from './helpers.js';

const cs = { voters: [1n, 2n, 3n], learners: [] };

/** Storage holding a snapshot at 3 (term 3) and entries 4 and 5 (terms 4 and 5). */
function storage(): MemoryStorage {
  const s = new MemoryStorage(cs);
  s.append(ents(1, [1, 2, 3, 4, 5]));
  s.compact(3);
  return s;
}

const compacted = (e: unknown): boolean => isConcordError(e, 'Compacted');
const unavailable = (e: unknown): boolean => isConcordError(e, 'Unavailable');

describe('MemoryStorage', () => {
  it('reports the first and last index around its snapshot', () => {
    const s = storage();
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.lastIndex(), 5);
  });

  it('answers term() from the snapshot index to the last index', () => {
    const s = storage();
    assert.equal(s.term(3), 3);
    assert.equal(s.term(5), 5);
    assert.throws(() => s.term(2), compacted);
    assert.throws(() => s.term(6), unavailable);
  });

  it('serves entries within a byte limit but always at least one', () => {
    const s = storage();
    assert.deepEqual(ids(s.entries(4, 6, Infinity)), [
      [4, 4],
      [5, 5],
    ]);
    assert.deepEqual(ids(s.entries(4, 6, 0)), [[4, 4]]);
    assert.deepEqual(ids(s.entries(4, 6, 48)), [
      [4, 4],
      [5, 5],
    ]);
    assert.throws(() => s.entries(3, 5, Infinity), compacted);
    assert.throws(() => s.entries(4, 7, Infinity), unavailable);
  });

  const appends: { name: string; terms: number[]; first: number; want: [number, number][] }[] = [
    {
      name: 'same entries',
      first: 4,
      terms: [4, 5],
      want: [
        [4, 4],
        [5, 5],
      ],
    },
    {
      name: 'conflict truncates',
      first: 4,
      terms: [6, 6],
      want: [
        [4, 6],
        [5, 6],
      ],
    },
    {
      name: 'extends',
      first: 6,
      terms: [5],
      want: [
        [4, 4],
        [5, 5],
        [6, 5],
      ],
    },
    {
      name: 'behind the snapshot is ignored',
      first: 2,
      terms: [2, 3, 4, 5, 5],
      want: [
        [4, 4],
        [5, 5],
        [6, 5],
      ],
    },
    {
      name: 'replaces the tail',
      first: 5,
      terms: [6, 6],
      want: [
        [4, 4],
        [5, 6],
        [6, 6],
      ],
    },
  ];
  for (const c of appends) {
    it(`append: ${c.name}`, () => {
      const s = storage();
      s.append(ents(c.first, c.terms));
      assert.deepEqual(ids(s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity)), c.want);
    });
  }

  it('refuses to append with a gap', () => {
    assert.throws(() => storage().append(ents(7, [5])), /missing log entry/);
  });

  it('compacts up to an index, keeping its term for term()', () => {
    const s = storage();
    s.compact(4);
    assert.equal(s.firstIndex(), 5);
    assert.equal(s.term(4), 4);
    assert.throws(() => s.compact(4), compacted);
    assert.throws(() => s.compact(9), /compact 9 > last 5/);
  });

  it('creates snapshots at applied indexes, never an older one', () => {
    const s = storage();
    const snap = s.createSnapshot(5, cs, new Uint8Array([1]));
    assert.deepEqual(snap.metadata, { index: 5, term: 5, confState: cs });
    assert.equal(s.snapshot(), snap);
    assert.throws(
      () => s.createSnapshot(4, cs, new Uint8Array()),
      (e: unknown) => isConcordError(e, 'SnapshotTemporarilyUnavailable'),
    );
  });

  it('replaces everything with an applied snapshot, ignoring an older one', () => {
    const s = storage();
    s.applySnapshot({ metadata: { index: 9, term: 7, confState: cs }, data: new Uint8Array() });
    assert.equal(s.firstIndex(), 10);
    assert.equal(s.lastIndex(), 9);
    assert.equal(s.term(9), 7);
    s.applySnapshot({ metadata: { index: 8, term: 7, confState: cs }, data: new Uint8Array() });
    assert.equal(s.firstIndex(), 10);
  });

  it('keeps the hard state it is given', () => {
    const s = storage();
    s.setHardState({ term: 5, vote: 2n, commit: 4 });
    assert.deepEqual(s.initialState(), {
      hardState: { term: 5, vote: 2n, commit: 4 },
      confState: cs,
    });
  });

  describe('holds entries in columns', () => {
    const entry = (index: number, term: number, bytes: number[], type: EntryType = 'Normal') => ({
      term,
      index,
      type,
      data: new Uint8Array(bytes),
    });
    const all = (s: MemoryStorage) => s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity);

    it('gives back each entry whole: term, index, type and bytes', () => {
      const s = new MemoryStorage(cs);
      const written = [
        entry(1, 1, [1, 2, 3]),
        entry(2, 1, []),
        entry(3, 2, [9], 'ConfChange'),
        entry(4, 2, [7, 7]),
      ];
      s.append(written);
      assert.deepEqual(all(s), written);
      assert.equal(s.bytes(), 6 + 5 * 24); // and the dummy entry at the snapshot
    });

    it('copies the bytes: changing the appended array changes nothing stored', () => {
      const s = new MemoryStorage(cs);
      const data = new Uint8Array([1, 2, 3]);
      s.append([{ term: 1, index: 1, type: 'Normal', data }]);
      data.fill(0);
      assert.deepEqual([...all(s)[0]!.data], [1, 2, 3]);
    });

    it('never overwrites the bytes of a truncated entry handed out before', () => {
      const s = new MemoryStorage(cs);
      s.append([entry(1, 1, [1, 1, 1]), entry(2, 1, [2, 2, 2])]);
      const old = all(s)[1]!; // e.g. still queued for a peer
      s.append([entry(2, 2, [8, 8, 8]), entry(3, 2, [9, 9, 9])]);
      assert.deepEqual([...old.data], [2, 2, 2]);
      assert.deepEqual(
        all(s).map((e) => [e.index, e.term, ...e.data]),
        [
          [1, 1, 1, 1, 1],
          [2, 2, 8, 8, 8],
          [3, 2, 9, 9, 9],
        ],
      );
    });

    it('keeps entries larger than a chunk, and many entries over many chunks', () => {
      const s = new MemoryStorage(cs);
      const big = new Uint8Array(200 * 1024).map((_, i) => i % 251);
      const written = [entry(1, 1, [5])];
      written.push({ term: 1, index: 2, type: 'Normal', data: big });
      for (let i = 3; i <= 3000; i++) written.push(entry(i, 1, [i % 256, (i >> 8) % 256]));
      s.append(written);
      assert.deepEqual(all(s), written);
      s.compact(2500);
      assert.deepEqual(all(s), written.slice(2500));
      assert.equal(s.term(2500), 1);
    });

    it('drops the chunks that compaction leaves with no entry', () => {
      const s = new MemoryStorage(cs);
      const data = new Uint8Array(1000);
      const many = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          term: 1,
          index: from + i,
          type: 'Normal' as const,
          data,
        }));
      s.append(many(1, 1000));
      const early = s.entries(1, 2, Infinity)[0]!.data.buffer;
      s.append(many(1001, 1000));
      s.compact(1900);
      const chunks = new Set(all(s).map((e) => e.data.buffer));
      assert.ok(!chunks.has(early), 'the oldest chunk is still used');
      assert.ok(chunks.size <= 3, `entries 1901-2000 (100 KB) span ${chunks.size} chunks`);
    });
  });
});
