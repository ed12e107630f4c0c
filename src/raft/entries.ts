import type { Entry } from './types.js';

/** Bytes an entry counts for in size limits: its data plus a fixed header estimate. */
export function entryBytes(entry: Entry): number {
  return entry.data.length + 24;
}

export function entriesBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entryBytes(entry);
  return total;
}

/**
 * The longest prefix of `entries` within `maxBytes`, but always at least one entry, so a
 * single oversized entry still makes progress.
 */
export function limitBytes(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entryBytes(entries[0]!);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entryBytes(entries[n]!);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}
