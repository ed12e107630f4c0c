// Every Range option against one fixed history: a table of requests and the keys, count and
// more each must give (etcd's semantics, see src/mvcc/range.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import type { RangeRequest } from '../../src/mvcc/types.js';
import { Harness, kvText, s, t } from './helpers.js';

// rev 2..11; the state at 11 is, in key order (create/mod/version):
//   a=y 2/6/2, b=b2 10/10/1, foo=f2 4/11/2, foo/a=c 5/5/1, foo/b=a 7/7/1, fop=z 9/9/1
function history(): Harness {
  const h = new Harness();
  h.put('a', 'x'); // 2
  h.put('b', 'bb'); // 3
  h.put('foo', 'f1'); // 4
  h.put('foo/a', 'c'); // 5
  h.put('a', 'y'); // 6
  h.put('foo/b', 'a'); // 7
  h.del('b'); // 8
  h.put('fop', 'z'); // 9
  h.put('b', 'b2'); // 10
  h.put('foo', 'f2'); // 11
  return h;
}

interface Row {
  readonly name: string;
  readonly req: Omit<RangeRequest, 'key' | 'rangeEnd'> & { key: string; rangeEnd?: string };
  readonly keys: string[];
  readonly count: number;
  readonly more?: boolean;
}

const all = { key: '\0', rangeEnd: '\0' };
const table: Row[] = [
  { name: 'single key', req: { key: 'a' }, keys: ['a'], count: 1 },
  { name: 'missing single key', req: { key: 'zz' }, keys: [], count: 0 },
  {
    name: 'prefix foo',
    req: { key: 'foo', rangeEnd: 'fop' },
    keys: ['foo', 'foo/a', 'foo/b'],
    count: 3,
  },
  {
    name: 'prefix foo/',
    req: { key: 'foo/', rangeEnd: 'foo0' },
    keys: ['foo/a', 'foo/b'],
    count: 2,
  },
  { name: 'all keys', req: all, keys: ['a', 'b', 'foo', 'foo/a', 'foo/b', 'fop'], count: 6 },
  {
    name: 'from key (\\0)',
    req: { key: 'foo/', rangeEnd: '\0' },
    keys: ['foo/a', 'foo/b', 'fop'],
    count: 3,
  },
  { name: 'rangeEnd before key', req: { key: 'b', rangeEnd: 'a' }, keys: [], count: 0 },
  { name: 'limit cuts', req: { ...all, limit: 2 }, keys: ['a', 'b'], count: 6, more: true },
  {
    name: 'limit = count',
    req: { ...all, limit: 6 },
    keys: ['a', 'b', 'foo', 'foo/a', 'foo/b', 'fop'],
    count: 6,
  },
  {
    name: 'limit > count',
    req: { ...all, limit: 7 },
    keys: ['a', 'b', 'foo', 'foo/a', 'foo/b', 'fop'],
    count: 6,
  },
  { name: 'revision 5', req: { ...all, revision: 5 }, keys: ['a', 'b', 'foo', 'foo/a'], count: 4 },
  {
    name: 'revision 8 (b deleted)',
    req: { ...all, revision: 8 },
    keys: ['a', 'foo', 'foo/a', 'foo/b'],
    count: 4,
  },
  { name: 'revision 1 (empty)', req: { ...all, revision: 1 }, keys: [], count: 0 },
  { name: 'single key, old revision', req: { key: 'b', revision: 3 }, keys: ['b'], count: 1 },
  { name: 'countOnly', req: { ...all, countOnly: true }, keys: [], count: 6 },
  { name: 'countOnly with limit', req: { ...all, countOnly: true, limit: 2 }, keys: [], count: 6 },
  {
    name: 'KEY DESCEND limit',
    req: { ...all, sortOrder: 'DESCEND', limit: 2 },
    keys: ['fop', 'foo/b'],
    count: 6,
    more: true,
  },
  {
    name: 'KEY ASCEND',
    req: { ...all, sortOrder: 'ASCEND', sortTarget: 'KEY' },
    keys: ['a', 'b', 'foo', 'foo/a', 'foo/b', 'fop'],
    count: 6,
  },
  {
    name: 'NONE + VERSION sorts ascending',
    req: { ...all, sortTarget: 'VERSION' },
    keys: ['b', 'foo/a', 'foo/b', 'fop', 'a', 'foo'],
    count: 6,
  },
  {
    name: 'MOD DESCEND',
    req: { ...all, sortOrder: 'DESCEND', sortTarget: 'MOD' },
    keys: ['foo', 'b', 'fop', 'foo/b', 'a', 'foo/a'],
    count: 6,
  },
  {
    name: 'CREATE ASCEND limit',
    req: { ...all, sortOrder: 'ASCEND', sortTarget: 'CREATE', limit: 3 },
    keys: ['a', 'foo', 'foo/a'],
    count: 6,
    more: true,
  },
  {
    name: 'VALUE ASCEND',
    req: { ...all, sortOrder: 'ASCEND', sortTarget: 'VALUE' },
    keys: ['foo/b', 'b', 'foo/a', 'foo', 'a', 'fop'],
    count: 6,
  },
  {
    name: 'VALUE DESCEND limit',
    req: { ...all, sortOrder: 'DESCEND', sortTarget: 'VALUE', limit: 2 },
    keys: ['fop', 'a'],
    count: 6,
    more: true,
  },
  {
    name: 'VERSION DESCEND ties in key order',
    req: { ...all, revision: 6, sortOrder: 'DESCEND', sortTarget: 'VERSION' },
    keys: ['a', 'b', 'foo', 'foo/a'],
    count: 4,
  },
  {
    name: 'minModRevision (count before filters)',
    req: { ...all, minModRevision: 9 },
    keys: ['b', 'foo', 'fop'],
    count: 6,
  },
  { name: 'maxModRevision', req: { ...all, maxModRevision: 6 }, keys: ['a', 'foo/a'], count: 6 },
  {
    name: 'create revision window',
    req: { ...all, minCreateRevision: 5, maxCreateRevision: 9 },
    keys: ['foo/a', 'foo/b', 'fop'],
    count: 6,
  },
  {
    name: 'filter with limit',
    req: { ...all, minModRevision: 9, limit: 2 },
    keys: ['b', 'foo'],
    count: 6,
    more: true,
  },
  {
    name: 'filter at an old revision',
    req: { ...all, revision: 5, minCreateRevision: 3 },
    keys: ['b', 'foo', 'foo/a'],
    count: 4,
  },
  {
    name: 'prefix, revision, sort, limit',
    req: {
      key: 'foo',
      rangeEnd: 'fop',
      revision: 7,
      sortOrder: 'DESCEND',
      sortTarget: 'MOD',
      limit: 1,
    },
    keys: ['foo/b'],
    count: 3,
    more: true,
  },
];

describe('Range options (table)', () => {
  const h = history();
  for (const row of table) {
    it(row.name, () => {
      const { key, rangeEnd, ...rest } = row.req;
      const r = h.sm.range({
        key: s(key),
        ...(rangeEnd === undefined ? {} : { rangeEnd: s(rangeEnd) }),
        ...rest,
      });
      assert.deepEqual(
        { keys: r.kvs.map((kv) => t(kv.key)), count: r.count, more: r.more },
        { keys: row.keys, count: row.count, more: row.more ?? false },
      );
    });
  }

  it('returns whole KeyValues, and empty values with keysOnly', () => {
    const r = h.sm.range({ key: s('a'), rangeEnd: s('c') });
    assert.deepEqual(r.kvs.map(kvText), ['a=y@2/6/2', 'b=b2@10/10/1']);
    const k = h.sm.range({ key: s('a'), rangeEnd: s('c'), keysOnly: true });
    assert.deepEqual(k.kvs.map(kvText), ['a=@2/6/2', 'b=@10/10/1']);
  });

  it('refuses future and compacted revisions, and serves the compact revision itself', () => {
    const h2 = history();
    const code = (revision: number): string | undefined => {
      try {
        h2.sm.range({ key: s('a'), revision });
        return undefined;
      } catch (error) {
        assert.ok(isConcordError(error));
        return error.code;
      }
    };
    assert.equal(code(12), 'FutureRevision');
    h2.compact(6);
    assert.equal(code(5), 'RevisionCompacted');
    assert.equal(code(6), undefined);
    assert.equal(kvText(h2.get('a', 6)), 'a=y@2/6/2');
    assert.equal(kvText(h2.get('foo', 6)), 'foo=f1@4/4/1');
  });
});
