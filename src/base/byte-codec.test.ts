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

  it('finishInSlab hands out views into one slab, giving back what a writer did not use', () => {
    const write = (bytes: number[]) => {
      const w = new ByteWriter(128);
      for (const b of bytes) w.u8(b);
      return w.finishInSlab();
    };
    const a = write([1, 2, 3]);
    const b = write([4, 5]);
    assert.deepEqual([...a], [1, 2, 3]);
    assert.deepEqual([...b], [4, 5]);
    // Adjacent in one buffer: the 125 bytes `a` did not use went back to the slab.
    // (Unless `b` opened a new slab.)
    if (b.byteOffset !== 0) assert.equal(b.buffer, a.buffer);
    if (b.byteOffset !== 0) assert.equal(b.byteOffset, a.byteOffset + 3);
    // A writer carved out after another one's piece: the earlier one keeps its whole piece.
    const first = new ByteWriter(16);
    const second = new ByteWriter(16);
    first.u8(7);
    second.u8(8);
    const one = first.finishInSlab();
    const two = second.finishInSlab();
    assert.deepEqual([...one, ...two], [7, 8]);
    if (two.byteOffset !== 0) assert.equal(two.byteOffset, one.byteOffset + 16);
    // A writer that outgrew its piece ends in a buffer of its own.
    const big = new ByteWriter(2);
    for (let i = 0; i < 10; i++) big.u8(i);
    assert.deepEqual([...big.finishInSlab()], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // finish() still copies a partly used piece, so the copy pins no slab.
    const w = new ByteWriter(64);
    w.u8(9);
    assert.equal(w.finish().buffer.byteLength, 1);
  });
});
