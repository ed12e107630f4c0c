/**
 * How the client commands print: `-w simple` (etcdctl's plain lines), `-w json` (etcd's JSON
 * shapes: snake_case fields, 64-bit integers as JSON numbers, bytes as base64, zero values
 * left out as Go's omitempty does) and `-w table` (aligned columns with etcdctl's borders).
 */
import { UsageError } from '../command-error.js';

export type WriteOut = 'simple' | 'json' | 'table';

export function writeOut(
  value: string | boolean | undefined,
  allowed: readonly WriteOut[] = ['simple', 'json', 'table'],
): WriteOut {
  const format = typeof value === 'string' ? value : 'simple';
  if (!(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`-w must be ${allowed.join(', ')}, got "${format}"`);
  }
  return format as WriteOut;
}

const bigMarker = '\u0000big:';

/**
 * JSON text for `value`, with bigints written as bare numbers (etcd prints uint64 IDs as
 * numbers, beyond what a double holds exactly) and undefined fields left out.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${bigMarker}${v.toString()}` : v,
  );
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Cells that are numbers (or sizes such as `25 kB`) are right-aligned, as tablewriter does. */
const numeric = /^-?\d+(\.\d+)?( ?[kMGTP]?B)?$/;

/** An etcdctl-style table: `+---+` rules, centred headers, aligned cells. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const centre = (text: string, width: number): string => {
    const left = Math.floor((width - text.length) / 2);
    return `${' '.repeat(left)}${text}${' '.repeat(width - text.length - left)}`;
  };
  const line = (cells: readonly string[], header: boolean): string =>
    `| ${cells
      .map((cell, i) => {
        const w = widths[i]!;
        if (header) return centre(cell, w);
        return numeric.test(cell) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join(' | ')} |\n`;
  return `${rule}${line(headers, true)}${rule}${rows.map((r) => line(r, false)).join('')}${rule}`;
}

/** A 64-bit ID in hex, as etcdctl prints member and lease IDs (`%x`, no padding). */
export function hexId(id: bigint | string | number): string {
  return BigInt(id).toString(16);
}
