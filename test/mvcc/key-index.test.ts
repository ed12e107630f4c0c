// KeyIndex alone: etcd's keyIndex examples, a key with more revisions than the exact-copy
// growth holds, compaction at each interesting point, and the rebuilt entry after a restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyIndex, RevisionSet } from '../../src/mvcc/key-index.js';
import type { Revision } from '../../src/mvcc/revision.js';

const rev = (main: number, sub = 0): Revision => ({ main, sub });

/** etcd's example: put at 1, 2, delete at 3, put at 4, 5, delete at 6, put at 7. */
function etcdExample(): KeyIndex {
  const ki = new KeyIndex();
  ki.put(rev(1));
  ki.put(rev(2));
  ki.tombstone(rev(3));
  ki.put(rev(4));
  ki.put(rev(5, 1));
  ki.tombstone(rev(6));
  ki.put(rev(7));
  return ki;
}

describe('KeyIndex', () => {
  it('answers get at every revision across generations', () => {
    const ki = etcdExample();
    assert.equal(ki.get(0), undefined);
    assert.deepEqual(ki.get(1), { modified: rev(1), created: rev(1), version: 1 });
    assert.deepEqual(ki.get(2), { modified: rev(2), created: rev(1), version: 2 });
    assert.equal(ki.get(3), undefined, 'deleted at 3');
    assert.deepEqual(ki.get(4), { modified: rev(4), created: rev(4), version: 1 });
    assert.deepEqual(ki.get(5), { modified: rev(5, 1), created: rev(4), version: 2 });
    assert.equal(ki.get(6), undefined, 'deleted at 6');
    assert.deepEqual(ki.get(100), { modified: rev(7), created: rev(7), version: 1 });
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((r) => ki.existsAt(r)),
      [false, true, true, false, true, true, false, true],
    );
    assert.equal(ki.isLive(), true);
  });

  it('refuses a put that is not after the last change', () => {
    const ki = new KeyIndex();
    ki.put(rev(5, 2));
    assert.throws(() => ki.put(rev(5, 2)), /not after \{5 2\}/);
    assert.throws(() => ki.put(rev(4, 9)), /not after/);
    ki.put(rev(5, 3));
    assert.deepEqual(ki.get(5), { modified: rev(5, 3), created: rev(5, 2), version: 2 });
  });

  it('keeps every revision of a key written many times, in order', () => {
    const ki = new KeyIndex();
    for (let main = 2; main <= 101; main++) ki.put(rev(main, main % 3));
    assert.equal(ki.revisions().length, 100);
    assert.deepEqual(ki.revisions()[99], rev(101, 101 % 3));
    for (const at of [2, 8, 9, 10, 50, 101]) {
      assert.deepEqual(ki.get(at), {
        modified: rev(at, at % 3),
        created: rev(2, 2),
        version: at - 1,
      });
    }
  });

  it('compacts to what reads at or after the compact revision can see', () => {
    const cases: { at: number; kept: Revision[]; left: Revision[] }[] = [
      { at: 1, kept: [rev(1)], left: [rev(1), rev(2), rev(3), rev(4), rev(5, 1), rev(6), rev(7)] },
      { at: 2, kept: [rev(2)], left: [rev(2), rev(3), rev(4), rev(5, 1), rev(6), rev(7)] },
      // A tombstone at exactly the compact revision stays, for a watcher starting there.
      { at: 3, kept: [rev(3)], left: [rev(3), rev(4), rev(5, 1), rev(6), rev(7)] },
      { at: 5, kept: [rev(5, 1)], left: [rev(5, 1), rev(6), rev(7)] },
      { at: 7, kept: [rev(7)], left: [rev(7)] },
    ];
    for (const { at, kept, left } of cases) {
      const ki = etcdExample();
      const available = new RevisionSet();
      ki.compact(at, available);
      assert.deepEqual(ki.revisions(), left, `left after compact(${at})`);
      assert.equal(available.size, kept.length, `kept at ${at}`);
      for (const r of kept) assert.ok(available.has(r), `kept {${r.main} ${r.sub}} at ${at}`);
      // A read at the compact revision still sees what it saw before.
      assert.deepEqual(ki.get(at), etcdExample().get(at), `get(${at}) after compact(${at})`);
    }
  });

  it('keep() names what compact() would keep and changes nothing', () => {
    const ki = etcdExample();
    const available = new RevisionSet();
    ki.keep(5, available);
    assert.ok(available.has(rev(5, 1)));
    assert.equal(ki.revisions().length, 7);
  });

  it('rebuilds from a stored KeyValue and goes on counting versions', () => {
    const ki = KeyIndex.restore(rev(10), rev(40, 2), 7);
    assert.deepEqual(ki.get(40), { modified: rev(40, 2), created: rev(10), version: 7 });
    assert.throws(() => ki.put(rev(40, 1)), /not after/);
    ki.put(rev(41));
    assert.deepEqual(ki.get(41), { modified: rev(41), created: rev(10), version: 8 });
    assert.deepEqual(ki.get(40), { modified: rev(40, 2), created: rev(10), version: 7 });
  });

  it('is empty once compaction passes its last delete, and starts over on a put', () => {
    const ki = new KeyIndex();
    ki.put(rev(2));
    ki.tombstone(rev(3));
    assert.throws(() => ki.tombstone(rev(4)), /tombstone on a deleted or empty key/);
    const atDelete = new RevisionSet();
    ki.compact(3, atDelete);
    assert.ok(atDelete.has(rev(3)), 'a delete at the compact revision stays');
    assert.equal(ki.isEmpty(), false);
    ki.compact(4, new RevisionSet());
    assert.equal(ki.isEmpty(), true);
    ki.put(rev(5));
    assert.deepEqual(ki.get(5), { modified: rev(5), created: rev(5), version: 1 });
    assert.equal(ki.get(4), undefined);
    assert.deepEqual(ki.revisions(), [rev(5)]);
  });
});
