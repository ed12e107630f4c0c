/**
 * What the WAL stores, and its binary encoding (all integers little-endian):
 *
 * - entry:      [1][term u64][index u64][entry type u8: 0 Normal, 1 ConfChange][data]
 * - hard state: [2][term u64][vote u64][commit u64]
 * - snapshot:   [3][index u64][term u64]  (a snapshot at index/term was saved; entries up to
 *               it are covered and need not be replayed)
 *
 * A record whose CRC holds but which cannot be decoded is "impossible": it was written by
 * something other than this code, or damaged in a way the CRC missed. Either way it is
 * corruption, never a torn tail.
 */
import { transientBytes } from '../base/byte-codec.js';
import type { Entry, EntryType, HardState } from '../raft/types.js';
import { ByteReader, putU64 } from './bytes.js';
import { frameBytes, frameHeaderBytes, sealFrame } from './record.js';

export type WalRecord =
  | { readonly type: 'entry'; readonly entry: Entry }
  | { readonly type: 'hardState'; readonly hardState: HardState }
  | { readonly type: 'snapshot'; readonly index: number; readonly term: number };

const tags = { entry: 1, hardState: 2, snapshot: 3 } as const;
const entryTypes: readonly EntryType[] = ['Normal', 'ConfChange'];

const entryFixedBytes = 1 + 8 + 8 + 1;
const hardStateBytes = 1 + 8 + 8 + 8;
const snapshotBytes = 1 + 8 + 8;

function bodyBytes(record: WalRecord): number {
  switch (record.type) {
    case 'entry':
      return entryFixedBytes + record.entry.data.length;
    case 'hardState':
      return hardStateBytes;
    case 'snapshot':
      return snapshotBytes;
  }
}

/**
 * Encodes records as consecutive frames in one buffer: one write, one fdatasync. The buffer
 * lives until that write is done (transientBytes).
 */
export function encodeRecords(records: readonly WalRecord[]): Uint8Array {
  let total = 0;
  for (const record of records) total += frameBytes(bodyBytes(record));
  const out = transientBytes(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let offset = 0;
  for (const record of records) {
    writeBody(out, view, offset + frameHeaderBytes, record);
    offset = sealFrame(out, view, offset, bodyBytes(record));
  }
  return out;
}

function writeBody(out: Uint8Array, view: DataView, at: number, record: WalRecord): void {
  view.setUint8(at, tags[record.type]);
  switch (record.type) {
    case 'entry': {
      const { entry } = record;
      putU64(view, at + 1, entry.term);
      putU64(view, at + 9, entry.index);
      view.setUint8(at + 17, entryTypes.indexOf(entry.type));
      out.set(entry.data, at + entryFixedBytes);
      return;
    }
    case 'hardState':
      putU64(view, at + 1, record.hardState.term);
      view.setBigUint64(at + 9, record.hardState.vote, true);
      putU64(view, at + 17, record.hardState.commit);
      return;
    case 'snapshot':
      putU64(view, at + 1, record.index);
      putU64(view, at + 9, record.term);
      return;
  }
}

/**
 * Decodes a record body. Returns a string saying what is impossible about it when it cannot
 * be decoded. The entry's data is copied, so the caller may drop the segment's buffer.
 */
export function decodeRecord(body: Uint8Array): WalRecord | string {
  const reader = new ByteReader(body);
  const tag = reader.u8();
  if (tag === tags.entry) {
    const term = reader.u64();
    const index = reader.u64();
    const type = entryTypes[reader.u8() ?? -1];
    if (term === undefined || index === undefined || type === undefined) return 'bad entry record';
    const data = body.slice(reader.offset);
    return { type: 'entry', entry: { term, index, type, data } };
  }
  if (tag === tags.hardState) {
    const term = reader.u64();
    const vote = reader.bigU64();
    const commit = reader.u64();
    if (term === undefined || vote === undefined || commit === undefined || reader.remaining()) {
      return 'bad hard state record';
    }
    return { type: 'hardState', hardState: { term, vote, commit } };
  }
  if (tag === tags.snapshot) {
    const index = reader.u64();
    const term = reader.u64();
    if (index === undefined || term === undefined || reader.remaining()) {
      return 'bad snapshot record';
    }
    return { type: 'snapshot', index, term };
  }
  return `unknown record type ${tag}`;
}
