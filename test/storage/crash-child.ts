// The child of crash.test.ts: opens the WAL in a real directory (running real recovery),
// checks that every record it replays is the one written at that index, prints
// "ready <last index>", then appends batches forever, printing "ack <last index>" only after
// each save() resolved. The parent kills it with SIGKILL at a random moment.
// The test bundles this file with esbuild and runs the bundle with plain node (no tsx).
// Usage: node <bundle>.mjs <dir> <seed>
import { Prng } from '../../src/base/prng.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Wal } from '../../src/storage/wal.js';
import { crashEntry, crashSegmentBytes } from './crash-entry.js';

async function main(dir: string, seed: number): Promise<void> {
  // A closed pipe (the parent gone) ends the child quietly instead of with an EPIPE trace.
  process.stdout.on('error', () => process.exit(0));
  const { wal, records } = await Wal.open(new RealDisk(), dir, {
    segmentBytes: crashSegmentBytes,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  let last = 0;
  for (const { record, path, offset } of records) {
    if (record.type !== 'entry') continue;
    const want = crashEntry(last + 1);
    if (record.entry.index !== want.index || !sameBytes(record.entry.data, want.data)) {
      throw new Error(`bad record at ${path}:${offset}: index ${record.entry.index} after ${last}`);
    }
    last = record.entry.index;
  }
  process.stdout.write(`ready ${last}\n`);
  const prng = new Prng(seed);
  for (;;) {
    const batch = Array.from({ length: prng.range(1, 8) }, (_, i) => crashEntry(last + 1 + i));
    last += batch.length;
    await wal.save({ entries: batch, hardState: { term: 1, vote: 1n, commit: last } });
    process.stdout.write(`ack ${last}\n`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

main(process.argv[2]!, Number(process.argv[3] ?? 1)).catch((error: unknown) => {
  process.stderr.write(`crash-child: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
