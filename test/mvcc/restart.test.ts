// Restart recovery on both backends: the index is rebuilt, the consistent index is where it
// was, already-applied entries are skipped, leases and checkpoints survive, and a compaction
// that was not physically finished resumes. Also snapshot and restore into another member.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Backend } from '../../src/mvcc/backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { StateMachine } from '../../src/mvcc/state-machine.js';
import { LmdbBackend } from '../../src/storage/lmdb-backend.js';
import { Harness, kvText, s } from './helpers.js';

interface Store {
  readonly name: string;
  open(): Backend;
  /** Closes the backend and opens it again, as a process restart. */
  reopen(backend: Backend): Promise<Backend>;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const stores: Store[] = [
  // The memory backend outlives the state machine: a new StateMachine over it is a restart.
  { name: 'MemoryBackend', open: () => new MemoryBackend(), reopen: async (b) => b },
  {
    name: 'LmdbBackend',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'concord-restart-'));
      dirs.push(dir);
      return new LmdbBackend({ path: join(dir, 'db') });
    },
    reopen: async (b) => {
      const path = (b as unknown as { root: { path: string } }).root.path;
      await b.close();
      return new LmdbBackend({ path });
    },
  },
];

function fingerprint(sm: StateMachine): string[] {
  const out = [
    `index ${sm.appliedIndex}/${sm.appliedTerm} rev ${sm.currentRevision} compact ${sm.compactRevision}`,
  ];
  for (let rev = Math.max(sm.compactRevision, 1); rev <= sm.currentRevision; rev++) {
    const r = sm.range({ key: s('\0'), rangeEnd: s('\0'), revision: rev });
    out.push(`${rev}: ${r.kvs.map(kvText).join(' ')}`);
  }
  out.push(`hash ${sm.hashKv().hash}`);
  out.push(`alarms ${sm.alarms().map((a) => `${a.memberId}:${a.alarm}`)}`);
  out.push(`sessions ${sm.sessionList().map((x) => `${x.clientId}:${x.sequence}@${x.lastIndex}`)}`);
  for (const lease of sm.leases()) {
    const ttl = sm.timeToLive(lease.id)!;
    out.push(
      `lease ${lease.id} ${lease.ttl}/${lease.remainingTtl} [${ttl.keys.map((k) => new TextDecoder().decode(k))}]`,
    );
  }
  return out;
}

function writeHistory(h: Harness): void {
  h.grant(10n, 60);
  h.put('a', '1', { lease: 10n });
  h.put('b', '1');
  h.txn({
    compare: [{ target: 'VERSION', result: 'EQUAL', key: s('a'), version: 1 }],
    success: [
      { requestPut: { key: s('c'), value: s('1'), lease: 10n } },
      { requestDeleteRange: { key: s('b') } },
    ],
    failure: [],
  });
  h.put('a', '2', { lease: 10n });
  h.ok({ type: 'leaseCheckpoint', request: { checkpoints: [{ id: 10n, remainingTtl: 33 }] } });
  h.put('d', '1');
  h.rejected({ type: 'put', request: { key: s('x'), value: s(''), lease: 99n } });
  const identity = { clientId: 'client', sequence: 1 };
  const get = { action: 'GET', memberId: 0n, alarm: 'NONE' } as const;
  h.sm.apply(++h.index, 1, { type: 'alarm', request: get }, identity);
  h.ok({ type: 'alarm', request: { action: 'ACTIVATE', memberId: 4n, alarm: 'NOSPACE' } });
  h.ok({ type: 'alarm', request: { action: 'DEACTIVATE', memberId: 4n, alarm: 'NOSPACE' } });
  h.ok({ type: 'alarm', request: { action: 'ACTIVATE', memberId: 5n, alarm: 'NOSPACE' } });
}

for (const store of stores) {
  describe(`restart (${store.name})`, () => {
    it('rebuilds the same state, and skips entries it already applied', async () => {
      let backend = store.open();
      const h = new Harness(backend);
      writeHistory(h);
      const before = fingerprint(h.sm);
      const hashBefore = h.sm.hash();
      await backend.sync();
      backend = await store.reopen(backend);
      const sm = new StateMachine(backend);
      assert.deepEqual(fingerprint(sm), before);
      assert.deepEqual(sm.hash(), hashBefore);
      assert.equal(sm.appliedIndex, h.index);
      // Replaying the WAL from an older index: everything up to appliedIndex is skipped.
      const replay = sm.apply(h.index - 1, 1, {
        type: 'put',
        request: { key: s('a'), value: s('X') },
      });
      assert.deepEqual(replay, { status: 'skipped' });
      assert.deepEqual(fingerprint(sm), before);
      // The NOSPACE alarm came back with the rest: it still refuses puts until cleared.
      const e = { type: 'put', request: { key: s('e'), value: s('1') } } as const;
      const refused = sm.apply(h.index + 1, 2, e);
      assert.equal(refused.status === 'rejected' && refused.error.code, 'NoSpace');
      const clear = { action: 'DEACTIVATE', memberId: 5n, alarm: 'NOSPACE' } as const;
      sm.apply(h.index + 2, 2, { type: 'alarm', request: clear });
      const next = sm.apply(h.index + 3, 2, e);
      assert.equal(next.status === 'applied' && next.revision, 7);
      assert.equal(sm.appliedTerm, 2);
      await backend.close();
    });

    it('resumes a compaction that was not physically finished', async () => {
      let backend = store.open();
      const h = new Harness(backend);
      writeHistory(h);
      h.compact(5);
      h.sm.compactStep(1);
      const before = fingerprint(h.sm);
      backend = await store.reopen(backend);
      const sm = new StateMachine(backend);
      assert.equal(sm.compactRevision, 5);
      assert.equal(sm.finishedCompactRevision, 0);
      assert.deepEqual(fingerprint(sm), before);
      while (!sm.compactStep(1));
      assert.equal(sm.finishedCompactRevision, 5);
      assert.deepEqual(fingerprint(sm), before);
      await backend.close();
    });

    it('restores a snapshot into another member, whose watchers catch up', async () => {
      const source = new Harness(store.open());
      writeHistory(source);
      const target = new Harness(store.open());
      target.put('stale', 'x');
      const seen: string[] = [];
      target.sm.watches.watch({
        key: s('\0'),
        rangeEnd: s('\0'),
        startRevision: 2,
        sink: (r) => {
          for (const e of r.events)
            seen.push(`${e.type} ${new TextDecoder().decode(e.kv.key)}@${e.kv.modRevision}`);
          return true;
        },
      });
      // Not caught up yet (it never saw stale@2): it continues in the restored history.
      target.sm.restoreSnapshot(source.sm.snapshot());
      assert.deepEqual(fingerprint(target.sm), fingerprint(source.sm));
      assert.deepEqual(target.sm.hash(), source.sm.hash());
      while (target.sm.syncWatchers(100) > 0);
      assert.deepEqual(seen, ['PUT a@2', 'PUT b@3', 'PUT c@4', 'DELETE b@4', 'PUT a@5', 'PUT d@6']);
      await source.backend.close();
      await target.backend.close();
    });
  });
}
