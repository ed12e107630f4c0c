// WAL throughput: durable records per second with 1 and with 100 records per fdatasync
// (256-byte entries), beside the raw floor of this disk measured in the same run: a plain
// write + fdatasync loop of exactly the bytes the WAL writes per batch (its frames: length,
// CRC, entry header, padding) into a file preallocated before the clock starts, wrapping
// around at the segment size so it never allocates.
//
// The two alternate in short slices (default 100 ms each), so the load of a shared machine
// hits both alike; the ratio is of their totals, with the spread of per-slice-pair ratios.
// The WAL pays what it pays in production: encoding, CRCs, and, once per segment, preparing
// the next one (64 MiB of zeros, synced) in the background. A WAL slice ends only once no
// preparation is running, so that work overlaps the WAL's own time and never a raw slice.
// Only the first segment's preparation at open is done before the clock starts, as the raw
// file's is. Runs that cross segment boundaries say how many cuts they made, and the last
// column is the ratio over the slice pairs whose WAL slice made no cut (the steady state
// within a segment), beside the total that pays for every cut.
// A second floor is the literal one: a plain loop appending the same bytes to a file
// and fdatasyncing (no preallocation, so each sync also makes the new size durable).
// Quote ratios from one run: the machine's load moves absolute numbers, not the ratio.
// Usage: npm run bench:wal [-- --seconds 10 --slice-ms 100 --segment-mib 64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MiB } from '../src/base/limits.js';
import { RealDisk } from '../src/env/real-disk.js';
import type { Entry } from '../src/raft/types.js';
import { batchRecords, Wal } from '../src/storage/wal.js';
import { encodeRecords } from '../src/storage/wal-record.js';

const recordBytes = 256;
const batchSizes = [1, 100];

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'slice-ms': { type: 'string', default: '100' },
    'segment-mib': { type: 'string', default: '64' },
  },
});
const segmentBytes = Number(values['segment-mib']) * MiB;
const seconds = Number(values.seconds);
const sliceMs = Number(values['slice-ms']);
const disk = new RealDisk();
const root = mkdtempSync(join(tmpdir(), 'concord-bench-wal-'));
const data = new Uint8Array(recordBytes).fill(7);

function batchOf(batch: number, from: number): Entry[] {
  return Array.from({ length: batch }, (_, i) => ({
    index: from + i,
    term: 1,
    type: 'Normal',
    data,
  }));
}

/** Durable records and the time they took, summed over slices. */
interface Tally {
  records: number;
  ms: number;
}

function add(total: Tally, t: Tally): void {
  total.records += t.records;
  total.ms += t.ms;
}

/** A raw write + fdatasync loop of the WAL's bytes for one batch, run slice by slice. */
async function rawRunner(
  batch: number,
  dir: string,
  mode: 'preallocated' | 'append',
): Promise<{ slice: (tally: Tally) => Promise<void>; close: () => Promise<void> }> {
  await disk.mkdir(dir);
  const file = await disk.open(join(dir, `raw-${mode}`), 'create');
  if (mode === 'preallocated') {
    await file.preallocate(segmentBytes);
    await file.fdatasync();
  }
  // The very bytes the WAL writes for one batch (only the indexes in them differ).
  const bytes = encodeRecords(batchRecords({ entries: batchOf(batch, 1) }));
  let position = 0;
  const slice = async (tally: Tally): Promise<void> => {
    const start = performance.now();
    while (performance.now() < start + sliceMs) {
      // Preallocated: wrap, so it never allocates. Append: the plain loop, growing the file.
      if (mode === 'preallocated' && position + bytes.length > segmentBytes) position = 0;
      await file.write(bytes, position);
      await file.fdatasync();
      position += bytes.length;
      tally.records += batch;
    }
    tally.ms += performance.now() - start;
  };
  return { slice, close: () => file.close() };
}

/**
 * Wal.save() of `batch` entries at a time (one fdatasync each), run slice by slice. A slice
 * says whether it cut a segment (and so paid for preparing the next one).
 */
async function walRunner(
  batch: number,
  dir: string,
): Promise<{
  slice: (tally: Tally) => Promise<boolean>;
  wal: Wal;
}> {
  const { wal } = await Wal.open(disk, dir, { segmentBytes, log: () => {} });
  await wal.whenPrepared();
  let index = 1;
  const slice = async (tally: Tally): Promise<boolean> => {
    const segments = wal.segmentNames().length;
    const start = performance.now();
    while (performance.now() < start + sliceMs || wal.preparing()) {
      await wal.save({ entries: batchOf(batch, index) });
      index += batch;
      tally.records += batch;
    }
    tally.ms += performance.now() - start;
    return wal.segmentNames().length !== segments;
  };
  return { slice, wal };
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const slices = Math.max(1, Math.round((seconds * 1000) / sliceMs));
  console.log(
    `WAL bench: ${recordBytes}-byte entries, ${slices} alternating slices of ${sliceMs} ms each`,
  );
  console.log(`disk: ${root}; segments preallocated to ${segmentBytes / MiB} MiB`);
  console.log(
    'batch  bytes/fsync  raw floor rec/s  WAL rec/s  WAL/raw  slice ratios p10-p50-p90' +
      '  cuts  WAL/raw in slices without a cut  append floor rec/s  WAL/append',
  );
  const rate = (t: Tally): number => (t.records / t.ms) * 1000;
  for (const batch of batchSizes) {
    const raw = await rawRunner(batch, join(root, `raw${batch}`), 'preallocated');
    const append = await rawRunner(batch, join(root, `append${batch}`), 'append');
    const appended: Tally = { records: 0, ms: 0 };
    const wal = await walRunner(batch, join(root, `wal${batch}`));
    const total = { raw: { records: 0, ms: 0 }, wal: { records: 0, ms: 0 } };
    const uncut = { raw: { records: 0, ms: 0 }, wal: { records: 0, ms: 0 } };
    const ratios: number[] = [];
    for (let i = 0; i < slices; i++) {
      const r: Tally = { records: 0, ms: 0 };
      const w: Tally = { records: 0, ms: 0 };
      // Alternating which goes first, so neither always follows the other's writeback.
      if (i % 2 === 0) await raw.slice(r);
      const cut = await wal.slice(w);
      if (i % 2 === 1) await raw.slice(r);
      await append.slice(appended);
      ratios.push(rate(w) / rate(r));
      add(total.raw, r);
      add(total.wal, w);
      if (!cut) {
        add(uncut.raw, r);
        add(uncut.wal, w);
      }
    }
    const cuts = wal.wal.segmentNames().length - 1;
    await wal.wal.close();
    await raw.close();
    await append.close();
    const bytes = encodeRecords(batchRecords({ entries: batchOf(batch, 1) })).length;
    const spread = [0.1, 0.5, 0.9].map((q) => quantile(ratios, q).toFixed(2)).join('-');
    const uncutRatio = uncut.wal.ms > 0 ? (rate(uncut.wal) / rate(uncut.raw)).toFixed(2) : '-';
    console.log(
      `${String(batch).padStart(5)}  ${String(bytes).padStart(11)}  ` +
        `${rate(total.raw).toFixed(0).padStart(15)}  ${rate(total.wal).toFixed(0).padStart(9)}  ` +
        `${(rate(total.wal) / rate(total.raw)).toFixed(2).padStart(7)}  ` +
        `${spread.padStart(24)}  ${String(cuts).padStart(4)}  ${uncutRatio.padStart(31)}  ` +
        `${rate(appended).toFixed(0).padStart(18)}  ${(rate(total.wal) / rate(appended)).toFixed(2).padStart(10)}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
