import type { Entry } from '../../../src/raft/types.js';

/** An entry of `term` at `index`, with optional data (text). */
export function ent(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'Normal', data: new TextEncoder().encode(data) };
}

/** Entries at consecutive indexes from `first`, one per term given. */
export function ents(first: number, terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ent(first + i, term));
}

/** [index, term] pairs, for compact assertions. */
export function ids(entries: readonly Entry[]): [number, number][] {
  return entries.map((e) => [e.index, e.term]);
}
