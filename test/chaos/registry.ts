/**
 * The workloads and nemeses by name, as `npm run chaos -- --workload W --nemesis N` takes
 * them, and the mix that runs when none is named.
 */
import { killNemesis, pauseNemesis } from './nemesis/process-faults.js';
import { partitionNemesis } from './nemesis/partition.js';
import type { Nemesis } from './nemesis/nemesis.js';
import { registerWorkload } from './workload/register.js';
import type { Workload } from './workload/workload.js';

export const workloads: Record<string, () => Workload> = {
  register: () => registerWorkload(),
  'register-serializable': () => registerWorkload({ reads: 'serializable' }),
};

export const nemeses: Record<string, () => Nemesis> = {
  kill: killNemesis,
  pause: pauseNemesis,
  partition: partitionNemesis,
};

/** What `npm run chaos` runs with no names: every checked workload under every nemesis. */
export const mixWorkloads: readonly string[] = ['register'];
export const mixNemeses: readonly string[] = ['kill', 'pause', 'partition'];

/** Resolves a comma-separated list ('all' for the mix; 'none' for no nemesis). */
export function resolveNames(
  text: string | undefined,
  known: Record<string, unknown>,
  mix: readonly string[],
  what: string,
): string[] {
  if (text === undefined || text === 'all' || text === 'mix') return [...mix];
  if (text === 'none') return [];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(name in known)) {
      throw new Error(`unknown ${what} '${name}' (known: ${Object.keys(known).join(', ')})`);
    }
  }
  return names;
}
