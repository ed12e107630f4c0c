// WAL throughput: durable records per second with 1 and with 100 records per fdatasync
// (256-byte records), beside the raw floor of this disk measured in the same run: a plain
// write + fdatasync loop of the same record bytes into a file preallocated the same way.
// Usage: npm run bench:wal [-- --seconds 2 --rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MiB } from '../src/base/limits.js';
import { RealDisk } from '../src/env/real-disk.js';
import type { Entry } from '../src/raft/types.js';
import { Wal } from '../src/storage/wal.js';

const recordBytes = 256;
const segmentBytes = 64 * MiB;
const batchSizes = [1, 100];

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const disk = new RealDisk();
const root = mkdtempSync(join(tmpdir(), 'concord-bench-wal-'));

/** Records per second of a raw write + fdatasync loop, `batch` records per fdatasync. */
async function raw(batch: number, dir: string): Promise<number> {
  await disk.mkdir(dir);
  const file = await disk.open(join(dir, 'raw'), 'create');
  await file.preallocate(segmentBytes);
  await file.fdatasync();
  const bytes = new Uint8Array(recordBytes * batch).fill(7);
  let position = 0;
  let records = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    if (position + bytes.length > segmentBytes) position = 0;
    await file.write(bytes, position);
    await file.fdatasync();
    position += bytes.length;
    records += batch;
  }
  await file.close();
  return records / seconds;
}

/** Records per second through Wal.save(), `batch` entries per save (one fdatasync each). */
async function wal(batch: number, dir: string): Promise<number> {
  const { wal } = await Wal.open(disk, dir, { segmentBytes, log: () => {} });
  const data = new Uint8Array(recordBytes).fill(7);
  let index = 0;
  let records = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const entries: Entry[] = [];
    for (let i = 0; i < batch; i++) entries.push({ index: ++index, term: 1, type: 'Normal', data });
    await wal.save({ entries });
    records += batch;
  }
  await wal.close();
  return records / seconds;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  console.log(`WAL bench: ${recordBytes}-byte records, ${seconds} s per run, median of ${rounds}`);
  console.log(`disk: ${root}; segments preallocated to ${segmentBytes / MiB} MiB`);
  console.log('batch  raw floor rec/s  WAL rec/s  WAL/raw  WAL fsync/s');
  let run = 0;
  for (const batch of batchSizes) {
    const raws: number[] = [];
    const wals: number[] = [];
    // Interleaved, so drift in the disk or the machine's load hits both alike.
    for (let round = 0; round < rounds; round++) {
      raws.push(await raw(batch, join(root, `run${run++}`)));
      wals.push(await wal(batch, join(root, `run${run++}`)));
    }
    const r = median(raws);
    const w = median(wals);
    console.log(
      `${String(batch).padStart(5)}  ${r.toFixed(0).padStart(15)}  ${w.toFixed(0).padStart(9)}  ` +
        `${(w / r).toFixed(2).padStart(7)}  ${(w / batch).toFixed(0).padStart(11)}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
