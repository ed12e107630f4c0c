import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bigintToInt64,
  bigintToUint64,
  int64ToBigint,
  int64ToNonNegative,
  int64ToNumber,
  numberToInt64,
  numberToUint64,
  uint64ToBigint,
} from '../../src/server/convert/int64.js';

const int64Min = '-9223372036854775808';
const int64Max = '9223372036854775807';
const uint64Max = '18446744073709551615';
const safe = Number.MAX_SAFE_INTEGER;

describe('int64 conversions', () => {
  it('saturates inbound revisions and counts at ±(2^53 - 1), exact below', () => {
    const table: [string, number][] = [
      ['0', 0],
      ['1', 1],
      ['-1', -1],
      [String(safe), safe],
      [String(-safe), -safe],
      ['9007199254740992', safe],
      [int64Max, safe],
      [int64Min, -safe],
    ];
    for (const [text, expected] of table) assert.equal(int64ToNumber(text), expected, text);
  });

  it('treats negative revisions and limits as 0, as etcd does', () => {
    assert.equal(int64ToNonNegative('-5'), 0);
    assert.equal(int64ToNonNegative(int64Min), 0);
    assert.equal(int64ToNonNegative('17'), 17);
  });

  it('keeps lease and member IDs exact at the extremes, both ways', () => {
    for (const text of [int64Min, '-1', '0', '1', int64Max]) {
      assert.equal(bigintToInt64(int64ToBigint(text)), text);
    }
    for (const text of ['0', int64Max, '9223372036854775808', uint64Max]) {
      assert.equal(bigintToUint64(uint64ToBigint(text)), text);
    }
  });

  it('refuses outbound values that do not fit: those are bugs, not wrapped', () => {
    assert.throws(() => bigintToInt64(2n ** 63n), /AssertionError|int64 out of range/);
    assert.throws(() => bigintToInt64(-(2n ** 63n) - 1n), /int64 out of range/);
    assert.throws(() => bigintToUint64(-1n), /uint64 out of range/);
    assert.throws(() => bigintToUint64(2n ** 64n), /uint64 out of range/);
    assert.throws(() => numberToInt64(2 ** 53), /not an exact integer/);
    assert.throws(() => numberToInt64(1.5), /not an exact integer/);
    assert.throws(() => numberToUint64(-1), /non-negative/);
    assert.equal(numberToInt64(-1), '-1');
    assert.equal(numberToInt64(safe), String(safe));
  });
});
