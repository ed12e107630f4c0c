// node --import tsx bench/mvcc.ts — MVCC state machine throughput on each backend: puts
// applied one entry per backend transaction and 100 per transaction (a Ready's worth), then
// Range over 100k keys (full scan, count only, limit 100) and single-key gets.
// Not a timed test; numbers go in the report. BENCH_KEYS overrides the key count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../src/mvcc/backend.js';
import { MemoryBackend } from '../src/mvcc/memory-backend.js';
import { StateMachine, type ApplyEntry } from '../src/mvcc/state-machine.js';
import { LmdbBackend, type LmdbDurability } from '../src/storage/lmdb-backend.js';

const keyCount = Number(process.env.BENCH_KEYS ?? 100_000);
const value = new Uint8Array(128).fill(7);
const encoder = new TextEncoder();
const keyOf = (i: number): Uint8Array => encoder.encode(`key-${String(i).padStart(8, '0')}`);
const keys = Array.from({ length: keyCount }, (_, i) => keyOf(i));

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function putAll(sm: StateMachine, batch: number, n: number): number {
  let index = sm.appliedIndex;
  return time(() => {
    for (let i = 0; i < n; i += batch) {
      const entries: ApplyEntry[] = [];
      for (let j = i; j < Math.min(i + batch, n); j++) {
        entries.push({
          index: ++index,
          term: 1,
          request: { type: 'put', request: { key: keys[j]!, value } },
        });
      }
      sm.applyBatch(entries);
    }
  });
}

async function bench(name: string, open: () => Backend, cleanup: () => void): Promise<void> {
  for (const batch of [1, 100]) {
    const backend = open();
    const sm = new StateMachine(backend);
    const n = batch === 1 ? Math.min(keyCount, 20_000) : keyCount;
    const ms = putAll(sm, batch, n);
    console.log(
      `${name.padEnd(22)} put, ${String(batch).padStart(3)}/txn: ${rate(n, ms)} (${n} keys)`,
    );
    if (batch === 100) {
      const syncMs = await (async () => {
        const start = performance.now();
        await backend.sync();
        return performance.now() - start;
      })();
      const all = { key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) };
      let count = 0;
      const full = time(() => {
        count = sm.range(all).kvs.length;
      });
      const countOnly = time(() => {
        for (let i = 0; i < 10; i++) sm.range({ ...all, countOnly: true });
      });
      const limited = time(() => {
        for (let i = 0; i < 1000; i++)
          sm.range({ key: keys[(i * 97) % keyCount]!, rangeEnd: all.rangeEnd, limit: 100 });
      });
      const gets = time(() => {
        for (let i = 0; i < 100_000; i++) sm.range({ key: keys[(i * 7919) % keyCount]! });
      });
      console.log(
        `${name.padEnd(22)} sync ${syncMs.toFixed(1)} ms; range all ${count} keys: ${full.toFixed(0)} ms; ` +
          `count-only: ${(countOnly / 10).toFixed(1)} ms; limit 100: ${rate(1000, limited)}; get: ${rate(100_000, gets)}`,
      );
    }
    await backend.close();
    cleanup();
  }
}

await bench(
  'MemoryBackend',
  () => new MemoryBackend(),
  () => {},
);
for (const durability of ['deferred', 'overlapping'] as LmdbDurability[]) {
  let dir = '';
  await bench(
    `LmdbBackend ${durability}`,
    () => {
      dir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
      return new LmdbBackend({ path: join(dir, 'db'), durability });
    },
    () => rmSync(dir, { recursive: true, force: true }),
  );
}
