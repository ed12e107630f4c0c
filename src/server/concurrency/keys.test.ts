import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseKey, prefixEnd, prefixOf } from './keys.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytes = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'latin1'));

describe("etcd's concurrency key layout", () => {
  it("names a waiter <name>/<lease in Go's %x>", () => {
    assert.equal(
      text(leaseKey(prefixOf(bytes('locks/job')), 0x694da1fd595f9e26n)),
      'locks/job/694da1fd595f9e26',
    );
    assert.equal(text(leaseKey(prefixOf(bytes('')), 7n)), '/7');
    assert.equal(text(leaseKey(prefixOf(bytes('x')), 255n)), 'x/ff');
  });

  it('ends a prefix range as GetPrefixRangeEnd does', () => {
    const cases: [string, string][] = [
      ['a/', 'a0'],
      ['a\xff', 'b'],
      ['a\xff\xff', 'b'],
      ['\xff\xff', '\x00'],
    ];
    for (const [prefix, end] of cases) assert.equal(text(prefixEnd(bytes(prefix))), end, prefix);
  });
});
