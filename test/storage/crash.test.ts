// A real crash test: a child process appends through the real WAL on a real directory and
// acknowledges each batch only after save() resolved; the test kills it with SIGKILL at
// random moments, over and over. After every restart, every acknowledged record must be
// there, in order, and nothing after it garbage (the child checks the records it replays and
// dies with a message if one is wrong; the test checks the count and, at the end, the files).
//
// The child is bundled once with esbuild and started with plain node: starting it through
// tsx 200 times cost ~250 ms each. Children are tracked, and every one is dead (SIGKILL, and
// its exit seen) before a lane moves on, fails, or the suite ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { Prng } from '../../src/base/prng.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Wal } from '../../src/storage/wal.js';
import { crashEntry, crashSegmentBytes } from './crash-entry.js';

const lanes = 8; // children run side by side, each on its own directory
const killsPerLane = 25;
const killDelayMsMax = 25;
// Every other life is killed only after it acknowledged a record of its own (then at a random
// moment), so every lane makes progress however slow the host; the others may die at any
// moment, before their first write landed too. A bound on acks per kill alone failed on a
// busy host (one lane acknowledged 23 records in 25 lives).
const waitsForAck = (kill: number): boolean => kill % 2 === 1;
const livesThatAck = Array.from({ length: killsPerLane }, (_, k) => k).filter(waitsForAck).length;
const readyTimeoutMs = 15_000;
const exitTimeoutMs = 10_000;
const childSource = new URL('./crash-child.ts', import.meta.url).pathname;

/** What the lanes share: the bundle, the live children, and whether to stop. */
interface Run {
  readonly bundle: string;
  readonly children: Set<ChildProcess>;
  stopped: boolean;
}

describe('WAL under SIGKILL', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'concord-crash-'));
  const run: Run = { bundle: join(root, 'crash-child.mjs'), children: new Set(), stopped: false };

  before(async () => {
    await build({
      entryPoints: [childSource],
      outfile: run.bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
    });
  });

  after(() => {
    // Only a timed-out test can leave lanes running: stop them, kill what they started.
    run.stopped = true;
    for (const child of run.children) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it(`keeps every acknowledged record across ${lanes * killsPerLane} kills`, async (t) => {
    const seed = Number(process.env.CONCORD_SEED ?? 7);
    const started = performance.now();
    let firstFailure: unknown;
    const settled = await Promise.allSettled(
      Array.from({ length: lanes }, (_, lane) =>
        runLane(run, join(root, `lane${lane}`), seed + lane).catch((error: unknown) => {
          // The first failure stops the other lanes; theirs ("stopped") say nothing new.
          if (!run.stopped) firstFailure = error;
          run.stopped = true;
          throw error;
        }),
      ),
    );
    if (firstFailure !== undefined) throw firstFailure;
    t.diagnostic(
      `${lanes * killsPerLane} kills in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [lane, result] of settled.entries()) {
      assert.equal(result.status, 'fulfilled');
      const { acked, dir } = (result as PromiseFulfilledResult<LaneResult>).value;
      // The final state, read in this process: exactly the records written, in order.
      const { wal, records } = await Wal.open(new RealDisk(), dir, {
        segmentBytes: crashSegmentBytes,
        log: () => {},
      });
      const replayed = records.flatMap((r) => (r.record.type === 'entry' ? [r.record.entry] : []));
      assert.ok(replayed.length >= acked, `lane ${lane}: ${replayed.length} < acked ${acked}`);
      replayed.forEach((e, i) =>
        assert.deepEqual(e, crashEntry(i + 1), `lane ${lane} index ${i + 1}`),
      );
      assert.ok(
        acked >= livesThatAck,
        `lane ${lane}: only ${acked} records acknowledged, in ${livesThatAck} lives that wait for one`,
      );
      await wal.close();
    }
  });
});

interface LaneResult {
  readonly acked: number;
  readonly dir: string;
}

async function runLane(run: Run, dir: string, seed: number): Promise<LaneResult> {
  const prng = new Prng(seed);
  let acked = 0;
  for (let kill = 0; kill < killsPerLane; kill++) {
    const where = `seed ${seed} kill ${kill}`;
    if (run.stopped) throw new Error(`${where}: stopped (another lane failed or time ran out)`);
    const child = spawn(process.execPath, [run.bundle, dir, String(prng.u32())], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    run.children.add(child);
    const exited = exitOf(child);
    try {
      acked = await crashOnce(child, exited, where, prng, acked, waitsForAck(kill));
    } finally {
      // Never leave a child writing: dead, and its exit seen, before anything else happens.
      child.kill('SIGKILL');
      await withTimeout(exited, exitTimeoutMs, `${where}: the exit of the killed child`);
      run.children.delete(child);
    }
  }
  return { acked, dir };
}

/**
 * Waits for the child's "ready", checks it, and (if `afterAck`) for its first acknowledged
 * record, then kills the child at a random moment.
 */
async function crashOnce(
  child: ChildProcess,
  exited: Promise<void>,
  where: string,
  prng: Prng,
  ackedBefore: number,
  afterAck: boolean,
): Promise<number> {
  let acked = ackedBefore;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  let ready: number | undefined;
  let firstAck: () => void = () => undefined;
  const ackLine = new Promise<void>((resolve) => (firstAck = resolve));
  const readyLine = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'ready') {
        ready = Number(n);
        resolve();
      } else if (word === 'ack') {
        acked = Math.max(acked, Number(n));
        firstAck();
      }
    });
    void exited.then(() => reject(new Error(`${where}: child exited before "ready": ${stderr}`)));
  });
  await withTimeout(readyLine, readyTimeoutMs, `${where}: the child's "ready" line`);
  // Acks after "ready" may already have been read; the check is against the run before.
  assert.ok(
    ready! >= ackedBefore,
    `${where}: recovered ${ready} records but ${ackedBefore} were acknowledged`,
  );
  if (afterAck) await withTimeout(ackLine, readyTimeoutMs, `${where}: the child's first "ack"`);
  // The kill moment is what is random; it is not synchronisation.
  await new Promise((resolve) => setTimeout(resolve, prng.int(killDelayMsMax)));
  child.kill('SIGKILL');
  // 'close' comes after the exit and the end of its output, so every ack printed before
  // the kill has been read.
  await withTimeout(exited, exitTimeoutMs, `${where}: the killed child's exit and end of output`);
  return acked;
}

/** Resolves when the child has exited and its output ended, or could not be started. */
function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
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
