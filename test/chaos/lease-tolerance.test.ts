/**
 * Regression (seed 801, `npm run chaos -- --time 60 --seed 801 --net proxy`): two leader
 * transfers 4 s apart, each restarting an unrenewed 3 s lease's TTL on the new leader (as
 * etcd does; Concord only checkpoints a lease's remaining TTL in its last second), kept
 * lease/15 alive 4.6 s past its expiry, and a fixed late tolerance called it 'outlived'. The
 * late bound now widens per fault during the lease's life; the early bound stays tight. The
 * history and faults are the run's own (lease events only).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Prng } from '../../src/base/prng.js';
import { readHistoryFile } from './history/jsonl.js';
import type { NemesisEvent } from './nemesis/nemesis.js';
import { leaseWorkload } from './workload/lease.js';
import type { WorkloadContext } from './workload/workload.js';

const testdata = (name: string): string =>
  fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

const events = readHistoryFile(testdata('seed-801-lease-history.jsonl'));
const faults: NemesisEvent[] = readFileSync(testdata('seed-801-nemesis.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => {
    const raw = JSON.parse(line) as Omit<NemesisEvent, 'time'> & { time: string };
    return { ...raw, time: BigInt(raw.time) };
  });

function context(known: readonly NemesisEvent[]): WorkloadContext {
  return { faults: () => known, prng: new Prng(1) } as unknown as WorkloadContext;
}

describe('lease late tolerance (seed 801)', () => {
  it('a lease kept alive by two leader changes is within the tolerance its faults allow', async () => {
    const result = await leaseWorkload().check(events, context(faults));
    assert.deepEqual(
      result.anomalies.map((a) => a.message),
      [],
    );
    assert.equal(result.valid, true);
  });

  it('without counting the faults, the same history is flagged: the bound is not vacuous', async () => {
    const result = await leaseWorkload().check(events, context([]));
    assert.equal(result.valid, false);
    assert.deepEqual(
      [...new Set(result.anomalies.map((a) => `${a.kind} ${a.key}`))],
      ['outlived lease/15'],
    );
  });
});
