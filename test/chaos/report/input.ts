import type { Anomaly, CheckResult } from '../checker/result.js';
import type { HistoryEvent } from '../history/event.js';

/** A fault injected or healed, on the history's clock (the harness's NemesisEvent fits). */
export interface FaultMark {
  readonly time: bigint;
  readonly nemesis: string;
  readonly phase: 'start' | 'heal';
  readonly detail?: string;
}

/** Everything a run's reports show. */
export interface ReportInput {
  /** "Concord chaos run, seed 7" */
  readonly title: string;
  /** Lines under the title: members, workloads, nemeses, the replay command. */
  readonly details?: readonly string[];
  readonly events: readonly HistoryEvent[];
  readonly faults: readonly FaultMark[];
  readonly results: readonly CheckResult[];
  /** Anomalies from outside the checkers (a member that never healed, say). */
  readonly extraAnomalies?: readonly Anomaly[];
  /** The run's last line: "chaos: FAIL: 812 operations, 6 faults injected, 1 anomalies". */
  readonly verdict?: string;
}

export function allAnomalies(input: ReportInput): Anomaly[] {
  return [...input.results.flatMap((r) => r.anomalies), ...(input.extraAnomalies ?? [])];
}

/** The run's time origin: its first event or fault. */
export function origin(input: ReportInput): bigint {
  const times = [input.events[0]?.time, input.faults[0]?.time].filter((t) => t !== undefined);
  return times.reduce((min, t) => (t < min ? t : min), times[0] ?? 0n);
}

/** Seconds since the origin, for people: "12.345 s". */
export function seconds(time: bigint, from: bigint): string {
  return `${(Number(time - from) / 1e9).toFixed(3)} s`;
}
