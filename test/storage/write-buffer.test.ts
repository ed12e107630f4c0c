import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/mvcc/backend.js';
import { LmdbBackend } from '../../src/storage/lmdb-backend.js';
import { WriteBufferedBackend } from '../../src/storage/write-buffer.js';
import { backendConformance } from '../mvcc/backend-conformance.js';

const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const s = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

function keysOf(backend: Backend, range: Parameters<Backend['scan']>[1] = {}): string[] {
  const out: string[] = [];
  backend.scan('key', range, (key, value) => {
    out.push(`${[...key].join('.')}=${text(value)}`);
  });
  return out;
}

function fixture(options: ConstructorParameters<typeof WriteBufferedBackend>[1] = {}): {
  dir: string;
  path: string;
  lmdb: LmdbBackend;
  backend: WriteBufferedBackend;
} {
  const dir = mkdtempSync(join(tmpdir(), 'concord-write-buffer-'));
  const path = join(dir, 'db');
  const lmdb = new LmdbBackend({ path });
  return { dir, path, lmdb, backend: new WriteBufferedBackend(lmdb, options) };
}

// The contract every backend keeps, with commits deferred (the default interval) and with
// every write committed at once (a limit of one change), so both paths of the buffer run it.
for (const flushWritesMax of [10_000, 1]) {
  backendConformance(`WriteBufferedBackend over LMDB (flush at ${flushWritesMax})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-write-buffer-'));
    const path = join(dir, 'db');
    let backend = new WriteBufferedBackend(new LmdbBackend({ path }), { flushWritesMax });
    return {
      get backend() {
        return backend;
      },
      reopen: async () => {
        await backend.close();
        backend = new WriteBufferedBackend(new LmdbBackend({ path }), { flushWritesMax });
        return backend;
      },
      cleanup: async () => {
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

describe('WriteBufferedBackend', () => {
  it('answers reads from the buffer before the commit, and commits on the interval', async () => {
    const { dir, lmdb, backend } = fixture({ flushIntervalMs: 20 });
    try {
      backend.write((tx) => tx.put('key', s('a'), s('1')));
      assert.equal(text(backend.get('key', s('a'))), '1');
      assert.equal(lmdb.get('key', s('a')), undefined, 'committed at once');
      assert.equal(backend.buffered, 1);
      const deadline = Date.now() + 5000;
      while (lmdb.get('key', s('a')) === undefined) {
        assert.ok(Date.now() < deadline, 'the buffer was not committed within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(backend.buffered, 0);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('merges buffered puts and deletes into scans, with start, end and limit', async () => {
    const { dir, backend } = fixture({ flushIntervalMs: 60_000 });
    try {
      backend.write((tx) => {
        for (const k of [1, 3, 5, 7]) tx.put('key', b(k), s(`old${k}`));
      });
      backend.flush();
      backend.write((tx) => {
        tx.put('key', b(2), s('new2'));
        tx.put('key', b(3), s('new3'));
        tx.delete('key', b(5));
        tx.put('key', b(9), s('new9'));
        tx.delete('key', b(8)); // never existed
      });
      assert.deepEqual(keysOf(backend), ['1=old1', '2=new2', '3=new3', '7=old7', '9=new9']);
      assert.deepEqual(keysOf(backend, { start: b(3), end: b(9) }), ['3=new3', '7=old7']);
      // A limit counts what the scan shows, not the deleted key the backend still holds.
      assert.deepEqual(keysOf(backend, { start: b(3), limit: 2 }), ['3=new3', '7=old7']);
      assert.deepEqual(keysOf(backend, { start: b(8) }), ['9=new9']);
      const seen: string[] = [];
      backend.scan('key', {}, (key) => {
        seen.push([...key].join('.'));
        return seen.length < 2;
      });
      assert.deepEqual(seen, ['1', '2']);
      backend.flush();
      assert.deepEqual(keysOf(backend), ['1=old1', '2=new2', '3=new3', '7=old7', '9=new9']);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('undoes a throwing write in the buffer, over earlier buffered changes', async () => {
    const { dir, backend } = fixture({ flushIntervalMs: 60_000 });
    try {
      backend.write((tx) => tx.put('key', s('k'), s('buffered')));
      assert.throws(() =>
        backend.write((tx) => {
          tx.put('key', s('k'), s('lost'));
          tx.delete('key', s('k'));
          tx.put('key', s('j'), s('lost'));
          throw new Error('planted failure');
        }),
      );
      assert.equal(text(backend.get('key', s('k'))), 'buffered');
      assert.equal(backend.get('key', s('j')), undefined);
      assert.equal(backend.buffered, 1);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('owns its keys: a caller that reuses its key buffer changes nothing buffered', async () => {
    const { dir, backend } = fixture({ flushIntervalMs: 60_000 });
    try {
      const key = s('k1');
      backend.write((tx) => tx.put('key', key, s('one')));
      backend.write((tx) => tx.put('key', key, s('two'))); // the same key again: one copy kept
      key[1] = '2'.charCodeAt(0);
      backend.write((tx) => tx.put('key', key, s('three')));
      key.fill(0);
      assert.deepEqual(keysOf(backend), ['107.49=two', '107.50=three']);
      await backend.sync();
      assert.deepEqual(keysOf(backend), ['107.49=two', '107.50=three']);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the database at its last commit when the process dies with changes buffered', async () => {
    const { dir, path, lmdb, backend } = fixture({ flushIntervalMs: 60_000 });
    try {
      backend.write((tx) => {
        tx.put('key', s('a'), s('1'));
        tx.put('meta', s('consistentIndex'), s('10'));
      });
      await backend.sync(); // what sync() returned for is on disk
      backend.write((tx) => {
        tx.put('key', s('b'), s('2'));
        tx.put('meta', s('consistentIndex'), s('11'));
      });
      // A crash: the buffer is gone, nothing flushes it.
      await lmdb.close();
      const reopened = new LmdbBackend({ path });
      assert.equal(text(reopened.get('meta', s('consistentIndex'))), '10');
      assert.equal(text(reopened.get('key', s('a'))), '1');
      assert.equal(reopened.get('key', s('b')), undefined);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails later writes and syncs once a commit failed, keeping reads right', async () => {
    const { dir, lmdb, backend } = fixture({ flushIntervalMs: 60_000 });
    try {
      backend.write((tx) => tx.put('key', s('a'), s('1')));
      const write = lmdb.write.bind(lmdb);
      lmdb.write = () => {
        throw new Error('planted commit failure');
      };
      backend.flush();
      lmdb.write = write;
      assert.equal(text(backend.get('key', s('a'))), '1');
      assert.throws(() => backend.write((tx) => tx.put('key', s('b'), s('2'))), /planted/);
      await assert.rejects(backend.sync(), /planted/);
    } finally {
      await backend.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
