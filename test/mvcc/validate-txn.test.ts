// etcd's duplicate-key rule for Txn (checkIntervals), as a table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTxn } from '../../src/mvcc/validate-txn.js';
import type { RequestOp, TxnRequest } from '../../src/mvcc/types.js';
import { s } from './helpers.js';

const put = (key: string): RequestOp => ({ requestPut: { key: s(key), value: s('') } });
const del = (key: string, rangeEnd?: string): RequestOp => ({
  requestDeleteRange: { key: s(key), ...(rangeEnd === undefined ? {} : { rangeEnd: s(rangeEnd) }) },
});
const get = (key: string): RequestOp => ({ requestRange: { key: s(key) } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({
  requestTxn: { compare: [], success, failure },
});
const branch = (success: RequestOp[], failure: RequestOp[] = []): TxnRequest => ({
  compare: [],
  success,
  failure,
});

const table: { name: string; txn: TxnRequest; duplicate: boolean }[] = [
  { name: 'distinct puts', txn: branch([put('a'), put('b')]), duplicate: false },
  { name: 'a key put twice', txn: branch([put('a'), put('a')]), duplicate: true },
  {
    name: 'same key in success and failure',
    txn: branch([put('a')], [put('a')]),
    duplicate: false,
  },
  { name: 'put and delete of one key', txn: branch([del('a'), put('a')]), duplicate: true },
  { name: 'put inside a deleted range', txn: branch([put('b'), del('a', 'c')]), duplicate: true },
  {
    name: 'put at a range end (exclusive)',
    txn: branch([put('c'), del('a', 'c')]),
    duplicate: false,
  },
  {
    name: 'put inside a from-key delete (\\0)',
    txn: branch([put('z'), del('a', '\0')]),
    duplicate: true,
  },
  { name: 'overlapping deletes', txn: branch([del('a', 'c'), del('b', 'd')]), duplicate: false },
  { name: 'reads do not count', txn: branch([get('a'), put('a'), get('a')]), duplicate: false },
  { name: 'nested put twice', txn: branch([put('a'), txn([put('a')])]), duplicate: true },
  {
    name: 'nested branches may share a key',
    txn: branch([txn([put('a')], [put('a')])]),
    duplicate: false,
  },
  {
    name: 'two nested txns put one key',
    txn: branch([txn([put('a')]), txn([], [put('a')])]),
    duplicate: true,
  },
  {
    name: 'nested put inside an outer delete',
    txn: branch([del('a', 'c'), txn([put('b')])]),
    duplicate: true,
  },
  {
    name: 'outer put inside a nested delete',
    txn: branch([put('b'), txn([del('a', 'c')])]),
    duplicate: true,
  },
  { name: 'deep nesting', txn: branch([txn([txn([put('x')])]), put('x')]), duplicate: true },
];

describe('validateTxn (duplicate keys)', () => {
  for (const row of table) {
    it(row.name, () => {
      const error = validateTxn(row.txn);
      assert.equal(error?.code, row.duplicate ? 'DuplicateKey' : undefined);
      if (error) assert.equal(error.message, 'etcdserver: duplicate key given in txn request');
    });
  }
});
