import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { bytesKey, compareBytes, compareKeys, keyBytes } from '../../src/mvcc/bytes.js';
import { SortedMap } from '../../src/mvcc/sorted-map.js';

describe('SortedMap', () => {
  it('matches a sorted reference under random inserts, deletes and scans', () => {
    const prng = new Prng(11);
    const map = new SortedMap<Uint8Array, number>(compareBytes);
    const model = new Map<string, number>();
    const randomKey = (): Uint8Array =>
      new Uint8Array(Array.from({ length: prng.range(0, 3) }, () => prng.int(6)));
    for (let step = 0; step < 20_000; step++) {
      const key = randomKey();
      // Phases: grow past several chunk splits, then shrink through merges, then mix.
      const insert =
        step < 8000 ? prng.chance(0.9) : step < 14000 ? prng.chance(0.2) : prng.chance(0.5);
      if (insert) {
        map.set(key, step);
        model.set(bytesKey(key), step);
      } else {
        assert.equal(map.delete(key), model.delete(bytesKey(key)));
      }
      if (step % 997 === 0) {
        assert.equal(map.size, model.size);
        const start = randomKey();
        const end = prng.chance(0.3) ? undefined : randomKey();
        const got: [string, number][] = [];
        map.scan(start, end, (k, v) => {
          got.push([bytesKey(k), v]);
        });
        const want = [...model.entries()]
          .filter(
            ([k]) =>
              compareBytes(keyBytes(k), start) >= 0 &&
              (end === undefined || compareBytes(keyBytes(k), end) < 0),
          )
          .sort(([a], [b]) => compareBytes(keyBytes(a), keyBytes(b)));
        assert.deepEqual(got, want);
        for (const [k, v] of want.slice(0, 5)) assert.equal(map.get(keyBytes(k)), v);
      }
    }
  });

  it('appends in order and scans in reverse', () => {
    const map = new SortedMap<Uint8Array, number>(compareBytes);
    for (let i = 0; i < 5000; i++) map.set(new Uint8Array([i >> 8, i & 255]), i);
    const seen: number[] = [];
    map.scanReverse(new Uint8Array([0, 3]), (_k, v) => {
      seen.push(v);
    });
    assert.deepEqual(seen, [2, 1, 0]);
    let count = 0;
    map.scan(new Uint8Array(0), undefined, () => {
      count++;
    });
    assert.equal(count, 5000);
  });

  it('counts like a scan over many chunks, whatever the bounds', () => {
    const prng = new Prng(12);
    const map = new SortedMap<Uint8Array, number>(compareBytes);
    const key = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 255]);
    for (let i = 0; i < 6000; i++) map.set(key(prng.int(8000)), i);
    const even = (v: number): boolean => v % 2 === 0;
    for (let round = 0; round < 300; round++) {
      const start = prng.chance(0.1) ? new Uint8Array(0) : key(prng.int(8200));
      const end = prng.chance(0.2) ? undefined : key(prng.int(8200));
      let want = 0;
      map.scan(start, end, (_k, v) => {
        if (even(v)) want++;
      });
      assert.equal(map.countWhere(start, end, even), want, `[${start}, ${end})`);
    }
  });

  it('refuses a change in the middle of a scan', () => {
    const map = new SortedMap<Uint8Array, number>(compareBytes);
    map.set(new Uint8Array([1]), 1);
    map.set(new Uint8Array([2]), 2);
    assert.throws(
      () => map.scan(new Uint8Array(0), undefined, () => void map.set(new Uint8Array([3]), 3)),
      /changed during a scan/,
    );
  });

  it('keeps byte order on bytesKey strings, for keys of any length and byte', () => {
    const prng = new Prng(5);
    const lengths = [0, 1, 8, 12, 13, 32, 33, 4096, 4097, 10_000];
    const keys = Array.from({ length: 400 }, () => {
      const n = lengths[prng.int(lengths.length)]!;
      // Few distinct bytes, so long keys share long prefixes; 0x00 and 0xff included.
      return new Uint8Array(
        Array.from({ length: n }, () => [0, 1, 0x7f, 0x80, 0xff][prng.int(5)]!),
      );
    });
    for (const key of keys) assert.deepEqual(keyBytes(bytesKey(key)), key);
    const map = new SortedMap<string, Uint8Array>(compareKeys);
    for (const key of keys) map.set(bytesKey(key), key);
    const got: Uint8Array[] = [];
    map.scan('', undefined, (_k, v) => void got.push(v));
    const want = [...new Map(keys.map((k) => [bytesKey(k), k])).values()].sort(compareBytes);
    assert.deepEqual(got, want);
  });
});
