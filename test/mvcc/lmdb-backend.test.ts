import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { LmdbBackend } from '../../src/storage/lmdb-backend.js';
import { backendConformance } from './backend-conformance.js';

for (const durability of ['deferred', 'overlapping'] as const) {
  backendConformance(`LmdbBackend (${durability})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-lmdb-'));
    const path = join(dir, 'db');
    let backend = new LmdbBackend({ path, durability });
    return {
      get backend() {
        return backend;
      },
      reopen: async () => {
        await backend.close();
        backend = new LmdbBackend({ path, durability });
        return backend;
      },
      cleanup: async () => {
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

it('LmdbBackend copies itself consistently to a new file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-lmdb-'));
  try {
    const backend = new LmdbBackend({ path: join(dir, 'db') });
    backend.write((tx) => tx.put('key', new Uint8Array([1]), new Uint8Array([42])));
    await backend.copyTo(join(dir, 'copy'));
    backend.write((tx) => tx.put('key', new Uint8Array([2]), new Uint8Array([43])));
    await backend.close();
    const copy = new LmdbBackend({ path: join(dir, 'copy') });
    assert.deepEqual([...(copy.get('key', new Uint8Array([1])) ?? [])], [42]);
    assert.equal(copy.get('key', new Uint8Array([2])), undefined);
    await copy.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
