import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from '../../src/server/validate/key.js';
import type {
  PutRequestIn,
  RangeRequestIn,
  RequestOpIn,
  TxnRequestIn,
} from '../../src/server/wire/kv.js';

const b = (value: string): Buffer => Buffer.from(value, 'latin1');
const none = Buffer.alloc(0);

const put = (key: string, overrides: Partial<PutRequestIn> = {}): RequestOpIn => ({
  request: 'requestPut',
  requestPut: {
    key: b(key),
    value: b('v'),
    lease: '0',
    prevKv: false,
    ignoreValue: false,
    ignoreLease: false,
    ...overrides,
  },
});
const txn = (success: RequestOpIn[], failure: RequestOpIn[] = []): RequestOpIn => ({
  request: 'requestTxn',
  requestTxn: { compare: [], success, failure },
});
const get = (key: string, overrides: Partial<RangeRequestIn> = {}): RequestOpIn => ({
  request: 'requestRange',
  requestRange: {
    key: b(key),
    rangeEnd: none,
    limit: '0',
    revision: '0',
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
    ...overrides,
  },
});

describe("etcd's request checks (v3rpc/key.go)", () => {
  it('refuses empty keys, bad sort options, value/lease with ignore_*', () => {
    assert.throws(() => checkRangeRequest(get('').requestRange as RangeRequestIn), {
      code: 'EmptyKey',
    });
    assert.throws(
      () => checkRangeRequest(get('k', { sortOrder: 3 }).requestRange as RangeRequestIn),
      {
        code: 'InvalidSortOption',
      },
    );
    const p = (overrides: Partial<PutRequestIn>): PutRequestIn =>
      put('k', overrides).requestPut as PutRequestIn;
    assert.throws(() => checkPutRequest(p({ ignoreValue: true })), { code: 'ValueProvided' });
    assert.throws(() => checkPutRequest(p({ ignoreLease: true, lease: '5' })), {
      code: 'LeaseProvided',
    });
    checkPutRequest(p({ ignoreValue: true, value: none }));
  });

  it('counts txn ops per branch against --max-txn-ops, nested txns against what is left', () => {
    const ops = (n: number): RequestOpIn[] => Array.from({ length: n }, (_, i) => get(`k${i}`));
    const request = (success: RequestOpIn[], failure: RequestOpIn[] = []): TxnRequestIn => ({
      compare: [],
      success,
      failure,
    });
    checkTxnRequest(request(ops(4), ops(4)), 4);
    assert.throws(() => checkTxnRequest(request(ops(5)), 4), { code: 'TooManyOps' });
    // The outer txn uses 2 of 4, so the nested one may use 2: three is too many.
    assert.throws(() => checkTxnRequest(request([txn(ops(3)), get('x')]), 4), {
      code: 'TooManyOps',
    });
    checkTxnRequest(request([txn(ops(2)), get('x')]), 4);
  });

  it('refuses an empty op ("key not found") and an empty compare key', () => {
    assert.throws(() => checkTxnRequest({ compare: [], success: [{}], failure: [] }, 128), {
      code: 'KeyNotFound',
    });
    assert.throws(
      () =>
        checkTxnRequest(
          {
            compare: [{ result: 'EQUAL', target: 'VERSION', key: none, rangeEnd: none }],
            success: [],
            failure: [],
          },
          128,
        ),
      { code: 'EmptyKey' },
    );
  });
});
