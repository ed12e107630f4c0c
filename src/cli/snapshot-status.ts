/**
 * What `concord snapshot status` reports about a snapshot file, as etcdctl does: the hash,
 * the revision, the total keys and the total size.
 * - hash: Maintenance.Hash of the state in the file (src/mvcc/hash.ts: every bucket but the
 *   consistent index and term), which is what the member answered to Maintenance.Hash when
 *   the snapshot was taken; 8 hex digits. (etcd's is a CRC of its bbolt file, the same idea.
 *   Note `etcdctl endpoint hash` 3.4 calls HashKV, a different number.)
 * - revision: the store's revision in the file.
 * - totalKey: entries in every bucket (key revisions, leases, meta, ...), as etcd counts them.
 * - totalSize: the file's size in bytes.
 */
import { bucketNames } from '../mvcc/backend.js';
import { StateMachine } from '../mvcc/state-machine.js';
import type { SnapshotFile } from './snapshot-file.js';

export interface SnapshotStatus {
  readonly hash: number;
  readonly revision: number;
  readonly totalKey: number;
  readonly totalSize: number;
}

export type StatusFormat = 'simple' | 'table' | 'json';

export function snapshotStatus(file: SnapshotFile): SnapshotStatus {
  const { hash, revision } = new StateMachine(file.state).hash();
  let totalKey = 0;
  for (const bucket of bucketNames) {
    file.state.scan(bucket, {}, () => {
      totalKey++;
    });
  }
  return { hash, revision, totalKey, totalSize: file.fileBytes };
}

/** etcdctl's three output formats for `snapshot status` (-w simple|table|json). */
export function formatStatus(status: SnapshotStatus, format: StatusFormat): string {
  const hash = status.hash.toString(16).padStart(8, '0');
  const size = humanBytes(status.totalSize);
  if (format === 'json') return `${JSON.stringify(status)}\n`;
  if (format === 'simple') return `${hash}, ${status.revision}, ${status.totalKey}, ${size}\n`;
  const header = ['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'];
  const row = [hash, String(status.revision), String(status.totalKey), size];
  const widths = header.map((h, i) => Math.max(h.length, row[i]!.length) + 2);
  const rule = `+${widths.map((w) => '-'.repeat(w)).join('+')}+\n`;
  const line = (cells: string[]): string =>
    `|${cells.map((c, i) => ` ${c.padStart(widths[i]! - 2)} `).join('|')}|\n`;
  return rule + line(header) + rule + line(row) + rule;
}

/** Sizes in SI units as etcdctl prints them (go-humanize's Bytes): 512 B, 20 kB, 2.1 MB. */
export function humanBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), units.length - 1);
  const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]}`;
}
