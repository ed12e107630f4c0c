/**
 * The word count's pure parts, shared by the workers and the single-process reference count
 * (count-locally.ts), so both split text into words and words into buckets the same way.
 */

/** Words: runs of letters and digits, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Adds each word of `text` to `counts`. */
export function countInto(counts: Map<string, number>, text: string): void {
  for (const word of words(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
}

/** The reduce bucket of a word: FNV-1a (32 bits) modulo R; stable across processes. */
export function bucketOf(word: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(word, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % buckets;
}

/** The `n` most frequent words (ties by word), for printing. */
export function topWords(counts: ReadonlyMap<string, number>, n: number): [string, number][] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n);
}
