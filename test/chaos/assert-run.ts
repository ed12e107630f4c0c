/**
 * For the chaos tests: one run, and the assertions every run must pass: it injected faults,
 * it did work, every checker found the history valid, and no member misbehaved. The fault and
 * operation floors are low on purpose: on a shared 2-core machine one member restart can take
 * 15 s, so a 40 s run may hold only one or two faults; the checkers' verdicts are the test.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { runChaos, type RunOptions, type RunOutcome } from './run.js';

export async function assertChaosRun(
  t: TestContext,
  options: RunOptions & { minFaults: number; minOperations: number },
): Promise<RunOutcome> {
  const outcome = await runChaos({
    ...options,
    outDir: process.env['CHAOS_OUT'] ?? 'chaos-runs',
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(outcome.verdict);
  const anomalies = outcome.anomalies
    .slice(0, 5)
    .map((a) => `[${a.checker}/${a.kind}] ${a.message.slice(0, 1500)}`)
    .join('\n');
  assert.ok(outcome.passed, `${outcome.verdict}\n${anomalies}\nsee ${outcome.dir}/report.txt`);
  assert.ok(
    outcome.faults >= options.minFaults,
    `only ${outcome.faults} faults were injected (at least ${options.minFaults} expected)`,
  );
  assert.ok(
    outcome.operations >= options.minOperations,
    `only ${outcome.operations} operations ran (at least ${options.minOperations} expected)`,
  );
  for (const result of outcome.results) {
    assert.equal(result.valid, true, `${result.checker}: ${JSON.stringify(result.notes ?? [])}`);
  }
  return outcome;
}
