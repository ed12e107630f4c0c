import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, hexId, leaseHex, prefixEnd, text } from '../../src/dashboard/bytes.js';

describe('dashboard bytes', () => {
  it('prints lease IDs as etcdctl does (%016x), keeping leading zeros', () => {
    // A CI run once granted lease 0ebaa1fdf73b6e06; unpadded, the dashboard showed ebaa1fdf73b6e06.
    assert.equal(leaseHex(String(0x0ebaa1fdf73b6e06n)), '0ebaa1fdf73b6e06');
    assert.equal(leaseHex('1'), '0000000000000001');
    assert.equal(leaseHex(String(0xffffffffffffffffn)), 'ffffffffffffffff');
  });

  it('prints member IDs as etcdctl member list does (%x)', () => {
    assert.equal(hexId(String(0x0abcn)), 'abc');
    assert.equal(hexId(undefined), '0');
  });

  it('round-trips text through base64 and shows non-UTF-8 as hex', () => {
    assert.equal(text(b64('héllo')), 'héllo');
    assert.equal(text(Buffer.from([0xff, 0x00]).toString('base64')), '0xff00');
  });

  it('ends a prefix range after every key under it', () => {
    assert.equal(Buffer.from(prefixEnd('a/'), 'base64').toString(), 'a0');
    assert.equal(prefixEnd(''), 'AA==');
  });
});
