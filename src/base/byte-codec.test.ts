import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from './errors.js';
import { ByteReader, ByteWriter, uvarintBytes } from './byte-codec.js';

describe('byte codec', () => {
  it('round-trips every field type, with varint sizes as uvarintBytes says', () => {
    const w = new ByteWriter(1);
    const numbers = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 53 - 1];
    for (const n of numbers) w.uvarint(n);
    for (const n of [-(2 ** 53 - 1), -1, 0, 5]) w.svarint(n);
    for (const id of [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) w.i64(id);
    w.bytes(new Uint8Array([1, 2, 3]));
    w.string('héllo');
    w.u8(255);
    const bytes = w.finish();
    const r = new ByteReader(bytes, 'test record');
    for (const n of numbers) {
      const before = r.offset;
      assert.equal(r.uvarint(), n);
      assert.equal(r.offset - before, uvarintBytes(n), `size of ${n}`);
    }
    for (const n of [-(2 ** 53 - 1), -1, 0, 5]) assert.equal(r.svarint(), n);
    for (const id of [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) assert.equal(r.i64(), id);
    assert.deepEqual([...r.bytes()], [1, 2, 3]);
    assert.equal(r.string(), 'héllo');
    assert.equal(r.u8(), 255);
    r.end();
  });

  it('reports damage as Corrupt, naming what and where', () => {
    const cases: [string, Uint8Array, (r: ByteReader) => unknown][] = [
      ['truncated', new Uint8Array([5, 1]), (r) => r.bytes()],
      ['varint', new Uint8Array(9).fill(0xff), (r) => r.uvarint()],
      ['count', new Uint8Array([9]), (r) => r.count()],
      ['UTF-8', new Uint8Array([1, 0xff]), (r) => r.string()],
      ['trailing', new Uint8Array([1, 2]), (r) => (r.u8(), r.end())],
    ];
    for (const [name, bytes, read] of cases) {
      assert.throws(
        () => read(new ByteReader(bytes, 'test record')),
        (e: unknown) => isConcordError(e, 'Corrupt') && e.message.startsWith('test record: '),
        name,
      );
    }
  });
});
