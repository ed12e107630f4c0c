/**
 * The run directory's reports: report.txt and timeline.html from test/chaos/report (the
 * operations, the faults, each checker's verdict, every anomaly on a timeline), and
 * summary.json (the verdict and the anomalies, for tools).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Anomaly, CheckResult } from './checker/result.js';
import type { HistoryEvent } from './history/event.js';
import type { NemesisEvent } from './nemesis/nemesis.js';
import { writeReports } from './report/write.js';
import type { RunOptions } from './run.js';

export interface ReportInput {
  readonly dir: string;
  readonly options: RunOptions;
  readonly mode: string;
  readonly events: readonly HistoryEvent[];
  readonly nemesisEvents: readonly NemesisEvent[];
  readonly results: readonly CheckResult[];
  /** Anomalies the harness found itself (a member that crashed, members that diverged). */
  readonly harnessAnomalies: readonly Anomaly[];
  readonly verdict: string;
  readonly startedAt: Date;
}

export function writeReport(input: ReportInput): void {
  const { options } = input;
  const nemeses = options.nemeses.join(',') || 'none';
  writeReports(input.dir, {
    title: `Concord chaos run, seed ${options.seed}, started ${input.startedAt.toISOString()}`,
    details: [
      `members: ${options.size ?? 3} (${input.mode}); workloads: ${options.workloads.join(', ')}; nemeses: ${nemeses}; ${options.timeS} s`,
      `replay: npm run chaos -- --workload ${options.workloads.join(',')} --nemesis ${nemeses} --time ${options.timeS} --seed ${options.seed} --size ${options.size ?? 3}`,
    ],
    events: input.events,
    faults: input.nemesisEvents,
    results: input.results,
    extraAnomalies: input.harnessAnomalies,
    verdict: input.verdict,
  });
  writeFileSync(
    join(input.dir, 'summary.json'),
    JSON.stringify(
      {
        seed: options.seed,
        workloads: options.workloads,
        nemeses: options.nemeses,
        timeS: options.timeS,
        size: options.size ?? 3,
        mode: input.mode,
        verdict: input.verdict,
        results: input.results.map((r) => ({
          checker: r.checker,
          valid: r.valid,
          anomalies: r.anomalies.length,
          notes: r.notes,
        })),
        anomalies: [...input.results.flatMap((r) => r.anomalies), ...input.harnessAnomalies].map(
          (a) => ({ checker: a.checker, kind: a.kind, key: a.key, message: a.message }),
        ),
      },
      null,
      2,
    ),
  );
}
