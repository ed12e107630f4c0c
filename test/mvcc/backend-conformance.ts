// The Backend port's contract (src/mvcc/backend.ts), as one suite every implementation runs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Backend } from '../../src/mvcc/backend.js';
import { restoreBackend, snapshotBackend } from '../../src/mvcc/backend-snapshot.js';
import { isConcordError } from '../../src/base/errors.js';

export interface BackendFixture {
  readonly backend: Backend;
  /** Closes and opens the same store again (a restart). */
  reopen(): Promise<Backend>;
  cleanup(): Promise<void>;
}

const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const s = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

function keysOf(backend: Backend, range: Parameters<Backend['scan']>[1] = {}): string[] {
  const out: string[] = [];
  backend.scan('key', range, (key) => {
    out.push([...key].join('.'));
  });
  return out;
}

export function backendConformance(name: string, make: () => Promise<BackendFixture>): void {
  describe(`Backend conformance: ${name}`, () => {
    const fixtures: BackendFixture[] = [];
    const fresh = async (): Promise<BackendFixture> => {
      const f = await make();
      fixtures.push(f);
      return f;
    };
    after(async () => {
      for (const f of fixtures) await f.cleanup();
    });

    it('puts, gets, overwrites and deletes, with buckets kept apart', async () => {
      const { backend } = await fresh();
      backend.write((tx) => {
        tx.put('key', s('a'), s('1'));
        tx.put('meta', s('a'), s('meta'));
      });
      assert.equal(text(backend.get('key', s('a'))), '1');
      assert.equal(text(backend.get('meta', s('a'))), 'meta');
      assert.equal(backend.get('lease', s('a')), undefined);
      backend.write((tx) => tx.put('key', s('a'), s('2')));
      assert.equal(text(backend.get('key', s('a'))), '2');
      backend.write((tx) => {
        tx.delete('key', s('a'));
        tx.delete('key', s('never-there'));
      });
      assert.equal(backend.get('key', s('a')), undefined);
      assert.equal(text(backend.get('meta', s('a'))), 'meta');
    });

    it('stores empty values', async () => {
      const { backend } = await fresh();
      backend.write((tx) => tx.put('key', s('k'), new Uint8Array(0)));
      assert.equal(backend.get('key', s('k'))?.length, 0);
    });

    it('scans in bytewise order with start, end and limit, and stops when asked', async () => {
      const { backend } = await fresh();
      const keys = [b(2), b(1, 0), b(1), b(0xff), b(1, 0xff), b(0x80), b(0, 0, 1)];
      backend.write((tx) => {
        for (const k of keys) tx.put('key', k, s('v'));
      });
      assert.deepEqual(keysOf(backend), ['0.0.1', '1', '1.0', '1.255', '2', '128', '255']);
      assert.deepEqual(keysOf(backend, { start: b(1), end: b(2) }), ['1', '1.0', '1.255']);
      assert.deepEqual(keysOf(backend, { start: b(1, 1) }), ['1.255', '2', '128', '255']);
      assert.deepEqual(keysOf(backend, { end: b(1) }), ['0.0.1']);
      assert.deepEqual(keysOf(backend, { start: b(1), limit: 2 }), ['1', '1.0']);
      assert.deepEqual(keysOf(backend, { start: b(3), end: b(4) }), []);
      const seen: string[] = [];
      backend.scan('key', {}, (key) => {
        seen.push([...key].join('.'));
        return seen.length < 3;
      });
      assert.deepEqual(seen, ['0.0.1', '1', '1.0']);
    });

    it('makes a write atomic: a throwing transaction leaves nothing behind', async () => {
      const { backend } = await fresh();
      backend.write((tx) => tx.put('key', s('keep'), s('old')));
      assert.throws(
        () =>
          backend.write((tx) => {
            tx.put('key', s('keep'), s('new'));
            tx.put('meta', s('x'), s('y'));
            tx.delete('key', s('keep'));
            tx.put('key', s('other'), s('z'));
            throw new Error('planted failure');
          }),
        /planted failure/,
      );
      assert.equal(text(backend.get('key', s('keep'))), 'old');
      assert.equal(backend.get('key', s('other')), undefined);
      assert.equal(backend.get('meta', s('x')), undefined);
      backend.write((tx) => tx.put('key', s('after'), s('ok')));
      assert.equal(text(backend.get('key', s('after'))), 'ok');
    });

    it('lets a transaction read its own writes, by get and by scan', async () => {
      const { backend } = await fresh();
      const seen = backend.write((tx) => {
        tx.put('key', s('a'), s('1'));
        tx.put('key', s('b'), s('2'));
        tx.delete('key', s('a'));
        const keys: string[] = [];
        tx.scan('key', {}, (k) => {
          keys.push(text(k)!);
        });
        return { a: tx.get('key', s('a')), b: text(tx.get('key', s('b'))), keys };
      });
      assert.deepEqual(seen, { a: undefined, b: '2', keys: ['b'] });
    });

    it('keeps returned bytes stable and copies keys it is given', async () => {
      const { backend } = await fresh();
      const key = s('k');
      backend.write((tx) => tx.put('key', key, s('first')));
      key.fill(0);
      const got = backend.get('key', s('k'));
      assert.equal(text(got), 'first');
      const scanned: Uint8Array[] = [];
      backend.scan('key', {}, (_k, v) => {
        scanned.push(v);
      });
      backend.write((tx) => tx.put('key', s('k'), s('second')));
      assert.equal(text(got), 'first');
      assert.equal(text(scanned[0]), 'first');
    });

    it('reports a size that grows with the data, and syncs', async () => {
      const { backend } = await fresh();
      const before = backend.sizeBytes();
      backend.write((tx) => {
        for (let i = 0; i < 2000; i++) tx.put('key', s(`key-${i}`), new Uint8Array(100));
      });
      assert.ok(backend.sizeBytes() > before, `${backend.sizeBytes()} > ${before}`);
      await backend.sync();
    });

    it('reports the size in use, which deleting brings down (the quota counts it)', async () => {
      const { backend } = await fresh();
      const empty = backend.sizeInUseBytes();
      backend.write((tx) => {
        for (let i = 0; i < 2000; i++) tx.put('key', s(`key-${i}`), new Uint8Array(100));
      });
      const full = backend.sizeInUseBytes();
      assert.ok(full > empty, `in use after writing: ${full} > ${empty}`);
      assert.ok(full <= backend.sizeBytes(), `in use ${full} <= size ${backend.sizeBytes()}`);
      backend.write((tx) => {
        for (let i = 0; i < 2000; i++) tx.delete('key', s(`key-${i}`));
      });
      const after = backend.sizeInUseBytes();
      assert.ok(after < full / 4, `in use after deleting it all: ${after} < ${full} / 4`);
    });

    it('keeps everything across a restart', async () => {
      const f = await fresh();
      f.backend.write((tx) => {
        tx.put('key', b(1), s('one'));
        tx.put('lease', b(9), s('nine'));
      });
      await f.backend.sync();
      const reopened = await f.reopen();
      assert.equal(text(reopened.get('key', b(1))), 'one');
      assert.equal(text(reopened.get('lease', b(9))), 'nine');
    });

    it('round-trips its whole state through snapshot bytes, and rejects damaged ones', async () => {
      const { backend: from } = await fresh();
      const { backend: to } = await fresh();
      from.write((tx) => {
        tx.put('key', b(1), s('one'));
        tx.put('key', b(2), s('two'));
        tx.put('meta', s('ci'), s('7'));
      });
      to.write((tx) => tx.put('key', b(3), s('stale')));
      const snapshot = snapshotBackend(from);
      restoreBackend(to, snapshot);
      assert.deepEqual(keysOf(to), ['1', '2']);
      assert.equal(text(to.get('meta', s('ci'))), '7');
      const damaged = snapshot.slice();
      damaged[10] = damaged[10]! ^ 1;
      assert.throws(
        () => restoreBackend(to, damaged),
        (e: unknown) => isConcordError(e, 'Corrupt'),
      );
      assert.deepEqual(keysOf(to), ['1', '2']);
    });
  });
}
