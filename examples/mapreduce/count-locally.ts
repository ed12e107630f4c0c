/**
 * The reference: the same word count in one process, no Concord. The distributed job's
 * output must equal this exactly.
 *
 * Usage: node --import tsx examples/mapreduce/count-locally.ts DIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { countInto, topWords } from './words.js';

/** The input files of a directory (regular files, sorted by name): the job's split order too. */
export function inputFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(dir, entry.name))
    .sort();
}

export function countLocally(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of inputFiles(dir)) countInto(counts, readFileSync(file, 'utf8'));
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error('usage: count-locally.ts DIR');
    process.exit(2);
  }
  for (const [word, count] of topWords(countLocally(dir), 20)) console.log(`${count}\t${word}`);
}
