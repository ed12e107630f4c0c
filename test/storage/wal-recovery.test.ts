// Recovery from each kind of damage, on both disks: a torn tail is truncated (and logged);
// anything else makes the WAL refuse to open with 'Corrupt', naming the file and offset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import { joinPath } from '../../src/env/disk.js';
import { readFrame } from '../../src/storage/record.js';
import { segmentHeaderBytes } from '../../src/storage/segment.js';
import { Wal } from '../../src/storage/wal.js';
import type { ReplayedRecord } from '../../src/storage/wal.js';
import { captureLog, entry, fixtures } from './fixtures.js';
import type { DiskFixture } from './fixtures.js';

const segmentBytes = 1024;
const entryCount = 60;

function indexes(records: readonly ReplayedRecord[]): number[] {
  return records.flatMap(({ record }) => (record.type === 'entry' ? [record.entry.index] : []));
}

/** Offsets of the frames in a segment's bytes. */
function frameOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = segmentHeaderBytes; ;) {
    const frame = readFrame(bytes, at);
    if (frame.kind !== 'record') return offsets;
    offsets.push(at);
    at = frame.next;
  }
}

async function writeLog(f: DiskFixture): Promise<string[]> {
  const { wal } = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
  for (let i = 1; i <= entryCount; i++) await wal.save({ entries: [entry(i, 1, 'x'.repeat(40))] });
  const names = wal.segmentNames();
  await wal.close();
  return names.map((name) => joinPath(f.dir, name));
}

type Damage = (f: DiskFixture, paths: string[]) => Promise<{ offset?: number; path: string }>;

function flip(f: DiskFixture, path: string, offset: number): void {
  const bytes = f.bytes(path);
  bytes[offset]! ^= 0x10;
  f.replace(path, bytes);
}

const tornTails: [string, Damage, number][] = [
  [
    'the last record cut in half (zeros after)',
    async (f, paths) => {
      const path = paths.at(-1)!;
      const bytes = f.bytes(path);
      const last = frameOffsets(bytes).at(-1)!;
      bytes.fill(0, last + 20);
      f.replace(path, bytes);
      return { path };
    },
    entryCount - 1,
  ],
  [
    'a bit flipped in the last record',
    async (f, paths) => {
      const path = paths.at(-1)!;
      flip(f, path, frameOffsets(f.bytes(path)).at(-1)! + 30);
      return { path };
    },
    entryCount - 1,
  ],
  [
    'the file cut short in the middle of the last record',
    async (f, paths) => {
      const path = paths.at(-1)!;
      const bytes = f.bytes(path);
      f.replace(path, bytes.subarray(0, frameOffsets(bytes).at(-1)! + 12));
      return { path };
    },
    entryCount - 1,
  ],
];

const corruptions: [string, Damage, RegExp][] = [
  [
    'a bit flipped in a record followed by valid ones',
    async (f, paths) => {
      const path = paths.at(-1)!;
      const offset = frameOffsets(f.bytes(path)).at(-3)!;
      flip(f, path, offset + 20);
      return { path, offset };
    },
    /CRC mismatch, but a valid record follows/,
  ],
  [
    'a bit flipped in the last record of an older segment',
    async (f, paths) => {
      const path = paths[1]!;
      const offset = frameOffsets(f.bytes(path)).at(-1)!;
      flip(f, path, offset + 20);
      return { path, offset };
    },
    /CRC mismatch in a segment that is not the last/,
  ],
  [
    'a zeroed record followed by valid ones',
    async (f, paths) => {
      const path = paths.at(-1)!;
      const bytes = f.bytes(path);
      const [first, second] = frameOffsets(bytes);
      bytes.fill(0, first!, second!);
      f.replace(path, bytes);
      return { path, offset: first! };
    },
    /end of records, but a valid record follows/,
  ],
  [
    'a truncated header',
    async (f, paths) => {
      const path = paths[0]!;
      f.replace(path, f.bytes(path).subarray(0, 10));
      return { path, offset: 0 };
    },
    /header truncated to 10 bytes/,
  ],
  [
    'a missing segment',
    async (f, paths) => {
      await f.disk.unlink(paths[1]!);
      return { path: paths[2]!, offset: 0 };
    },
    /segment 1 before it is missing/,
  ],
];

for (const { name: diskName, make } of fixtures) {
  describe(`WAL recovery on the ${diskName}`, () => {
    for (const [name, damage, kept] of tornTails) {
      it(`truncates a torn tail: ${name}`, async () => {
        const f = make();
        const paths = await writeLog(f);
        const { path } = await damage(f, paths);
        const { lines, log } = captureLog();
        const { wal, records } = await Wal.open(f.disk, f.dir, { segmentBytes, log });
        assert.equal(indexes(records).at(-1), kept);
        assert.ok(
          lines.some((l) => l.includes('torn tail') && l.includes(path)),
          lines.join('\n'),
        );
        // The repaired log takes new records, and replays cleanly with them.
        await wal.save({ entries: [entry(kept + 1, 2)] });
        await wal.close();
        const again = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} });
        assert.deepEqual(
          indexes(again.records),
          Array.from({ length: kept + 1 }, (_, i) => i + 1),
        );
        await again.wal.close();
        f.cleanup();
      });
    }

    for (const [name, damage, reason] of corruptions) {
      it(`refuses to start on corruption: ${name}`, async () => {
        const f = make();
        const paths = await writeLog(f);
        const { path, offset } = await damage(f, paths);
        const error = await Wal.open(f.disk, f.dir, { segmentBytes, log: () => {} }).catch(
          (e: unknown) => e,
        );
        assert.ok(isConcordError(error, 'Corrupt'), `expected Corrupt, got ${String(error)}`);
        assert.match(error.message, reason);
        assert.ok(
          error.message.includes(`corrupt ${path} at offset ${offset ?? ''}`),
          error.message,
        );
        assert.match(error.message, /Restore the data directory from a snapshot/);
        assert.match(error.message, /add it back as a new member/);
        f.cleanup();
      });
    }
  });
}
