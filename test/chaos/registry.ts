/**
 * The workloads and nemeses by name, as `npm run chaos -- --workload W --nemesis N` takes
 * them, and the mix that runs when none is named.
 */
import { clockNemesis, clockUnavailable } from './nemesis/clock.js';
import { failpointNemesis } from './nemesis/failpoints.js';
import { leaderTransferNemesis } from './nemesis/leader-transfer.js';
import { membershipNemesis } from './nemesis/membership.js';
import type { Nemesis } from './nemesis/nemesis.js';
import { partitionNemesis } from './nemesis/partition.js';
import { killNemesis, pauseNemesis } from './nemesis/process-faults.js';
import { leaseWorkload } from './workload/lease.js';
import { lockWorkload } from './workload/lock.js';
import { registerWorkload } from './workload/register.js';
import { txnWorkload } from './workload/txn.js';
import { watchWorkload } from './workload/watch.js';
import type { Workload } from './workload/workload.js';

export const workloads: Record<string, () => Workload> = {
  register: () => registerWorkload(),
  txn: () => txnWorkload(),
  watch: () => watchWorkload(),
  lease: () => leaseWorkload(),
  lock: () => lockWorkload(),
  /** Stale reads allowed: fails the linearizability check under partitions, on purpose. */
  'register-serializable': () => registerWorkload({ reads: 'serializable' }),
};

export const nemeses: Record<string, () => Nemesis> = {
  kill: killNemesis,
  pause: pauseNemesis,
  partition: partitionNemesis,
  'leader-transfer': leaderTransferNemesis,
  membership: membershipNemesis,
  clock: clockNemesis,
  failpoint: failpointNemesis,
};

/** Why a nemesis cannot run on this machine (it is then left out of the mix). */
export function nemesisUnavailable(name: string): string | undefined {
  return name === 'clock' ? clockUnavailable() : undefined;
}

/** What `npm run chaos` runs with no names: every checked workload under every nemesis. */
export const mixWorkloads: readonly string[] = ['register', 'txn', 'watch', 'lease', 'lock'];
export const mixNemeses: readonly string[] = Object.keys(nemeses).filter(
  (name) => nemesisUnavailable(name) === undefined,
);

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
