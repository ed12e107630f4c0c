// What the real crash test (crash.test.ts) and its child (crash-child.ts) agree on.
import type { Entry } from '../../src/raft/types.js';

/** Small segments, so the kills land in cuts and segment preparations too. */
export const crashSegmentBytes = 64 * 1024;

/** The record the crash test writes at `index`: its length and bytes follow from the index. */
export function crashEntry(index: number): Entry {
  const data = new Uint8Array(100 + ((index * 7919) % 400));
  for (let i = 0; i < data.length; i++) data[i] = (index * 31 + i) & 0xff;
  return { index, term: 1, type: 'Normal', data };
}
