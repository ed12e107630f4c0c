/**
 * The WAL directory as a whole: finding, checking and reading its segments at open, repairing
 * a torn tail, and installing new segments atomically.
 */
import { ConcordError } from '../base/errors.js';
import { joinPath } from '../env/disk.js';
import type { Disk, DiskFile } from '../env/disk.js';
import type { HardState } from '../raft/types.js';
import { encodeSegmentHeader, parseSegmentFileName, segmentFileName } from './segment.js';
import type { SegmentName } from './segment.js';
import { scanSegment } from './segment-scan.js';
import type { PreparedFile } from './segment-pipeline.js';
import { corruptError, ioError } from './storage-errors.js';
import type { LogFn } from './storage-errors.js';
import { encodeRecords } from './wal-record.js';
import type { ReplayedRecord } from './wal.js';

export interface FoundSegments {
  /** Oldest first; empty when the directory held no segment. */
  readonly segments: SegmentName[];
  readonly records: ReplayedRecord[];
  /** The last segment, open for writing (undefined when there is none). */
  readonly file: DiskFile | undefined;
  /** Where the next record goes in the last segment. */
  readonly end: number;
}

/**
 * Lists, checks and reads every segment. A torn tail of the last segment is cut off durably
 * (truncated, preallocated zeros again, synced) and logged; any other damage, and a gap in
 * the sequence of segments, throws ConcordError 'Corrupt'.
 */
export async function readSegments(
  disk: Disk,
  dir: string,
  options: { segmentBytes: number; log: LogFn },
): Promise<FoundSegments> {
  const names = await listSegments(disk, dir, options.log);
  const records: ReplayedRecord[] = [];
  let end = 0;
  let file: DiskFile | undefined;
  for (const [i, name] of names.entries()) {
    const path = joinPath(dir, segmentFileName(name));
    if (i > 0 && name.seq !== names[i - 1]!.seq + 1) {
      throw corruptError(path, 0, `segment ${names[i - 1]!.seq + 1} before it is missing`);
    }
    const isLast = i === names.length - 1;
    const scan = scanSegment(await readWhole(disk, path), name, path, isLast);
    for (const { record, offset } of scan.records) records.push({ record, path, offset });
    if (!isLast) continue;
    end = scan.end;
    file = await disk.open(path, 'write').catch((error: unknown) => {
      throw ioError(error, `open ${path}`);
    });
    if (scan.torn !== undefined) {
      options.log(
        `wal: truncating a torn tail of ${path} at offset ${end} (${scan.torn}); ` +
          'it was never acknowledged',
        { path, offset: end, reason: scan.torn },
      );
      await repairTail(file, path, end, options.segmentBytes);
    }
  }
  return { segments: names, records, file, end };
}

async function listSegments(disk: Disk, dir: string, log: LogFn): Promise<SegmentName[]> {
  try {
    await disk.mkdir(dir);
    const names: SegmentName[] = [];
    for (const entry of await disk.readdir(dir)) {
      const name = parseSegmentFileName(entry);
      if (name !== undefined) names.push(name);
      else if (entry.endsWith('.tmp')) {
        // A file prepared ahead of need, or a segment whose cut a crash interrupted: it was
        // never renamed into place, so it holds nothing anyone relied on.
        log(`wal: removing ${entry}, a segment file never put in use`, { dir, name: entry });
        await disk.unlink(joinPath(dir, entry));
      }
    }
    return names.sort((a, b) => a.seq - b.seq);
  } catch (error) {
    throw ioError(error, `list ${dir}`);
  }
}

async function readWhole(disk: Disk, path: string): Promise<Uint8Array> {
  let file: DiskFile | undefined;
  try {
    file = await disk.open(path, 'read');
    const bytes = new Uint8Array(await file.size());
    const read = await file.read(bytes, 0);
    if (read !== bytes.length) throw new ConcordError('Io', `short read of ${path}`);
    return bytes;
  } catch (error) {
    throw ioError(error, `read ${path}`);
  } finally {
    await file?.close();
  }
}

// Cuts the file at `end` and refills the rest with zeros, so no leftover of the torn write
// can later be mistaken for data after new records overwrite part of it.
async function repairTail(file: DiskFile, path: string, end: number, bytes: number) {
  try {
    await file.truncate(end);
    await file.preallocate(Math.max(bytes, end));
    await file.fdatasync();
  } catch (error) {
    throw ioError(error, `repair torn tail of ${path}`);
  }
}

/**
 * Makes a prepared file (segment-pipeline.ts: preallocated and synced under a temporary name)
 * the segment `name`, atomically: its header and a preamble holding the current hard state
 * (so older segments are never needed for it) are written and synced, the file is renamed
 * into place, and the directory synced. Only then may records go in it. On failure the file
 * is closed and left under its temporary name, which the next open removes.
 */
export async function installSegment(
  disk: Disk,
  dir: string,
  prepared: PreparedFile,
  options: { name: SegmentName; hardState?: HardState },
): Promise<{ file: DiskFile; end: number }> {
  const { file } = prepared;
  const path = joinPath(dir, segmentFileName(options.name));
  try {
    const header = encodeSegmentHeader(options.name);
    const hs = options.hardState;
    const preamble = encodeRecords(
      hs === undefined || (hs.term === 0 && hs.commit === 0)
        ? []
        : [{ type: 'hardState', hardState: hs }],
    );
    const head = new Uint8Array(header.length + preamble.length);
    head.set(header);
    head.set(preamble, header.length);
    await file.write(head, 0);
    await file.fdatasync();
    await disk.rename(prepared.path, path);
    await disk.fsyncDir(dir);
    return { file, end: head.length };
  } catch (error) {
    await file.close().catch(() => undefined);
    throw ioError(error, `create ${path}`);
  }
}
