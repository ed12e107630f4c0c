/** Reading the job's result: the output files the final record names, merged. */
import { readFileSync } from 'node:fs';
import type { Client } from '../../src/client/index.js';
import { keys } from './job.js';

/** The word counts of a finished job, or undefined if it has not finished. */
export async function readOutput(
  client: Client,
  job: string,
): Promise<Map<string, number> | undefined> {
  const final = await client.getString(keys(job).final);
  if (final === undefined) return undefined;
  const counts = new Map<string, number>();
  for (const file of (JSON.parse(final) as { outputs: string[] }).outputs) {
    for (const [word, count] of JSON.parse(readFileSync(file, 'utf8')) as [string, number][]) {
      // Buckets partition the words: a word in two outputs would be a bug, not a sum.
      if (counts.has(word)) throw new Error(`mapreduce: "${word}" is in two output buckets`);
      counts.set(word, count);
    }
  }
  return counts;
}
