// A real crash test: a child process appends through the real WAL on a real directory and
// acknowledges each batch only after save() resolved; the test kills it with SIGKILL at
// random moments, over and over. After every restart, every acknowledged record must be
// there, in order, and nothing after it garbage (the child checks the records it replays and
// dies with a message if one is wrong; the test checks the count and, at the end, the files).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Wal } from '../../src/storage/wal.js';
import { crashEntry, crashSegmentBytes } from './crash-child.js';

const lanes = 4; // children run side by side, each on its own directory
const killsPerLane = 50;
const killDelayMsMax = 25;
const readyTimeoutMs = 15_000;
const childPath = new URL('./crash-child.ts', import.meta.url).pathname;

describe('WAL under SIGKILL', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'concord-crash-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`keeps every acknowledged record across ${lanes * killsPerLane} kills`, async () => {
    const seed = Number(process.env.CONCORD_SEED ?? 7);
    const results = await Promise.all(
      Array.from({ length: lanes }, (_, lane) => runLane(join(root, `lane${lane}`), seed + lane)),
    );
    for (const [lane, { acked, dir }] of results.entries()) {
      // The final state, read in this process: exactly the records written, in order.
      const { wal, records } = await Wal.open(new RealDisk(), dir, {
        segmentBytes: crashSegmentBytes,
        log: () => {},
      });
      const indexes = records.flatMap((r) => (r.record.type === 'entry' ? [r.record.entry] : []));
      assert.ok(indexes.length >= acked, `lane ${lane}: ${indexes.length} < acked ${acked}`);
      indexes.forEach((e, i) =>
        assert.deepEqual(e, crashEntry(i + 1), `lane ${lane} index ${i + 1}`),
      );
      assert.ok(acked > killsPerLane, `lane ${lane}: only ${acked} records acknowledged`);
      await wal.close();
    }
  });
});

async function runLane(dir: string, seed: number): Promise<{ acked: number; dir: string }> {
  const prng = new Prng(seed);
  let acked = 0;
  for (let kill = 0; kill < killsPerLane; kill++) {
    const child = spawn(process.execPath, ['--import', 'tsx', childPath, dir, String(prng.u32())], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const where = `seed ${seed} kill ${kill}`;
    try {
      acked = await crashOnce(child, where, prng, acked);
    } finally {
      child.kill('SIGKILL'); // never leave a child writing after a failure
    }
  }
  return { acked, dir };
}

/** Waits for the child's "ready", checks it, kills the child at a random moment. */
async function crashOnce(
  child: ChildProcess,
  where: string,
  prng: Prng,
  ackedBefore: number,
): Promise<number> {
  let acked = ackedBefore;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = exitOf(child);
  const lines = createInterface({ input: child.stdout! });
  let ready: number | undefined;
  const readyLine = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${where}: timed out after ${readyTimeoutMs} ms waiting for "ready"`)),
      readyTimeoutMs,
    );
    lines.on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'ready') {
        ready = Number(n);
        clearTimeout(timer);
        resolve();
      } else if (word === 'ack') acked = Math.max(acked, Number(n));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${where}: child exited before "ready": ${stderr}`));
    });
  });
  await readyLine;
  // Acks after "ready" may already have been read; the check is against the run before.
  assert.ok(
    ready! >= ackedBefore,
    `${where}: recovered ${ready} records but ${ackedBefore} were acknowledged`,
  );
  // The kill moment is what is random; it is not synchronisation.
  await new Promise((resolve) => setTimeout(resolve, prng.int(killDelayMsMax)));
  child.kill('SIGKILL');
  // 'close' comes after the exit and the end of its output, so every ack printed before
  // the kill has been read.
  await withTimeout(exited, 10_000, `${where}: the killed child's exit and end of output`);
  return acked;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
