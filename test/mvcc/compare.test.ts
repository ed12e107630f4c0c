// Every Txn compare: target x result against a key below, at and above the operand; then
// compares over ranges and over missing keys (etcd's applyCompare).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Compare, CompareResult, CompareTarget } from '../../src/mvcc/types.js';
import { Harness, s } from './helpers.js';

// k: version 2, create 3, mod 4, value "m", lease 5.
function fixture(): Harness {
  const h = new Harness();
  h.grant(5n, 60); // no revision
  h.put('other', ''); // 2
  h.put('k', 'l', { lease: 5n }); // 3
  h.put('k', 'm', { lease: 5n }); // 4
  h.put('r1', 'x'); // 5
  h.put('r2', 'x'); // 6
  h.put('r2', 'y'); // 7
  return h;
}

function operand(target: CompareTarget, n: number): Partial<Compare> {
  switch (target) {
    case 'VERSION':
      return { version: 2 + n };
    case 'CREATE':
      return { createRevision: 3 + n };
    case 'MOD':
      return { modRevision: 4 + n };
    case 'VALUE':
      return { value: s(String.fromCharCode('m'.charCodeAt(0) + n)) };
    case 'LEASE':
      return { lease: 5n + BigInt(n) };
  }
}

// Stored value vs operand: operand below (-1), equal (0), above (+1).
const expected: Record<CompareResult, [boolean, boolean, boolean]> = {
  EQUAL: [false, true, false],
  NOT_EQUAL: [true, false, true],
  GREATER: [true, false, false],
  LESS: [false, false, true],
};

function holds(h: Harness, c: Compare): boolean {
  return h.sm.readTxn({ compare: [c], success: [], failure: [] }).succeeded;
}

describe('Compare (table)', () => {
  const h = fixture();
  const targets: CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];
  for (const target of targets) {
    for (const result of Object.keys(expected) as CompareResult[]) {
      it(`${target} ${result}`, () => {
        const got = [-1, 0, 1].map((n) =>
          holds(h, { target, result, key: s('k'), ...operand(target, n) }),
        );
        assert.deepEqual(got, expected[result]);
      });
    }
  }

  it('over a range, holds only when every key satisfies it', () => {
    const range = { key: s('r'), rangeEnd: s('s') }; // r1 (version 1), r2 (version 2)
    assert.equal(holds(h, { ...range, target: 'VERSION', result: 'GREATER', version: 0 }), true);
    assert.equal(holds(h, { ...range, target: 'VERSION', result: 'EQUAL', version: 1 }), false);
    assert.equal(holds(h, { ...range, target: 'VERSION', result: 'LESS', version: 3 }), true);
    assert.equal(holds(h, { ...range, target: 'VALUE', result: 'EQUAL', value: s('x') }), false);
    assert.equal(holds(h, { ...range, target: 'MOD', result: 'GREATER', modRevision: 4 }), true);
    const from = { key: s('r'), rangeEnd: s('\0') }; // every key >= r
    assert.equal(
      holds(h, { ...from, target: 'CREATE', result: 'GREATER', createRevision: 4 }),
      true,
    );
  });

  it('over missing keys, compares a zero KeyValue, except VALUE, which always fails', () => {
    const missing = { key: s('nope') };
    assert.equal(holds(h, { ...missing, target: 'VERSION', result: 'EQUAL', version: 0 }), true);
    assert.equal(
      holds(h, { ...missing, target: 'CREATE', result: 'EQUAL', createRevision: 0 }),
      true,
    );
    assert.equal(holds(h, { ...missing, target: 'MOD', result: 'LESS', modRevision: 1 }), true);
    assert.equal(holds(h, { ...missing, target: 'LEASE', result: 'EQUAL', lease: 0n }), true);
    assert.equal(holds(h, { ...missing, target: 'VALUE', result: 'EQUAL', value: s('') }), false);
    assert.equal(
      holds(h, { ...missing, target: 'VALUE', result: 'NOT_EQUAL', value: s('') }),
      false,
    );
    const empty = { key: s('x'), rangeEnd: s('y') };
    assert.equal(holds(h, { ...empty, target: 'VERSION', result: 'EQUAL', version: 0 }), true);
  });

  it('requires every compare of a txn to hold', () => {
    const c1: Compare = { target: 'VERSION', result: 'EQUAL', key: s('k'), version: 2 };
    const c2: Compare = { target: 'VALUE', result: 'EQUAL', key: s('k'), value: s('no') };
    assert.equal(h.sm.readTxn({ compare: [c1], success: [], failure: [] }).succeeded, true);
    assert.equal(h.sm.readTxn({ compare: [c1, c2], success: [], failure: [] }).succeeded, false);
  });
});
