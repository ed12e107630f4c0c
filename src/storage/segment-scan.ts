/**
 * Reading one segment's records, and telling a torn tail from corruption.
 *
 * A crash mid-write leaves, at the end of the last segment, a partial record or one whose
 * CRC fails, followed by nothing but zeros (the preallocated space) or leftovers of the same
 * unsynced write. That is a torn tail: it was never acknowledged, and recovery truncates it.
 * Damage followed by more valid records cannot come from a crash mid-append (appends are
 * sequential): it is corruption, and so is any damage in a segment that is not the last
 * (a segment is synced in full before the next one is created), and any record whose CRC
 * holds but whose contents are impossible. This is etcd's rule.
 */
import { readFrame, findValidFrame } from './record.js';
import { decodeRecord } from './wal-record.js';
import type { WalRecord } from './wal-record.js';
import { checkSegmentHeader, segmentHeaderBytes } from './segment.js';
import type { SegmentName } from './segment.js';
import { corruptError } from './storage-errors.js';

export interface PositionedRecord {
  readonly record: WalRecord;
  /** Where the record's frame starts in its segment (for error messages). */
  readonly offset: number;
}

export interface SegmentScan {
  readonly records: PositionedRecord[];
  /** Where the next record goes: the end of the last valid record. */
  readonly end: number;
  /** Set when a torn tail starts at `end` and must be truncated. */
  readonly torn?: string;
}

/**
 * Scans a whole segment. Throws ConcordError 'Corrupt' naming `path` and the offset for
 * anything that is not a torn tail of the last segment.
 */
export function scanSegment(
  bytes: Uint8Array,
  name: SegmentName,
  path: string,
  isLast: boolean,
): SegmentScan {
  const headerProblem = checkSegmentHeader(bytes, name);
  if (headerProblem !== undefined) throw corruptError(path, 0, headerProblem);
  const records: PositionedRecord[] = [];
  let offset = segmentHeaderBytes;
  for (;;) {
    const frame = readFrame(bytes, offset);
    if (frame.kind === 'record') {
      const record = decodeRecord(frame.body);
      if (typeof record === 'string')
        throw corruptError(path, offset, `impossible record: ${record}`);
      records.push({ record, offset });
      offset = frame.next;
      continue;
    }
    // The end of the records: zeros, or damage. Either way, valid data must not follow.
    const valid = findValidFrame(bytes, offset + 8);
    const reason = frame.kind === 'bad' ? frame.reason : 'end of records';
    if (valid !== undefined) {
      throw corruptError(path, offset, `${reason}, but a valid record follows at offset ${valid}`);
    }
    if (frame.kind === 'end') return { records, end: offset };
    if (!isLast) throw corruptError(path, offset, `${reason} in a segment that is not the last`);
    return { records, end: offset, torn: reason };
  }
}
