import { describeOperation, pairOperations } from '../history/operation.js';
import type { ReportInput } from './input.js';
import { allAnomalies, origin, seconds } from './input.js';

/** Anomalies listed in full, and operations listed per anomaly (the rest are counted). */
const anomaliesShownMax = 20;
const opsPerAnomalyMax = 30;

/**
 * The run's report as plain text, for a terminal or a CI log: what ran, the faults in order,
 * the operation counts by outcome, each checker's verdict, and every anomaly with the
 * operations involved (times in seconds since the run began).
 */
export function renderTextReport(input: ReportInput): string {
  const from = origin(input);
  const ops = pairOperations(input.events);
  const anomalies = allAnomalies(input);
  const count = (type: string): number => ops.filter((op) => op.type === type).length;
  const faults = input.faults.filter((f) => f.phase === 'start').length;
  const lines: string[] = [input.title, ...(input.details ?? [])];
  lines.push(
    '',
    `Operations: ${ops.length} (${count('ok')} ok, ${count('fail')} fail, ${count('info')} info)`,
    `Faults injected: ${faults}`,
    `Anomalies: ${anomalies.length}`,
  );
  lines.push('', 'Operations by function:');
  const byF = new Map<string, Map<string, number>>();
  for (const op of ops) {
    const counts = byF.get(op.f) ?? new Map<string, number>();
    counts.set(op.type, (counts.get(op.type) ?? 0) + 1);
    byF.set(op.f, counts);
  }
  for (const [f, counts] of [...byF].sort(([a], [b]) => a.localeCompare(b))) {
    const parts = ['ok', 'fail', 'info'].map((type) => `${counts.get(type) ?? 0} ${type}`);
    lines.push(`  ${f.padEnd(16)} ${parts.join(', ')}`);
  }
  lines.push('', 'Faults:');
  if (input.faults.length === 0) lines.push('  none');
  for (const f of input.faults) {
    lines.push(
      `  ${seconds(f.time, from).padStart(11)}  ${f.phase.padEnd(5)} ${f.nemesis}${f.detail !== undefined ? `: ${f.detail}` : ''}`,
    );
  }
  lines.push('', 'Checkers:');
  for (const r of input.results) {
    const verdict =
      r.valid === true
        ? 'valid'
        : r.valid === false
          ? `INVALID (${r.anomalies.length} anomalies)`
          : 'UNKNOWN';
    lines.push(`  ${r.checker}: ${verdict}`);
    for (const note of r.notes ?? []) lines.push(`    note: ${note}`);
  }
  lines.push('', `Anomalies (${anomalies.length}):`);
  if (anomalies.length === 0) lines.push('  none');
  for (const a of anomalies.slice(0, anomaliesShownMax)) {
    // Each checker's message names its key (or watcher, or txns) itself.
    lines.push(`  [${a.checker}/${a.kind}] ${a.message}`);
    for (const op of a.ops.slice(0, opsPerAnomalyMax)) {
      const span =
        op.returnTime !== undefined ? `..${seconds(op.returnTime, from)}` : ' (no return)';
      lines.push(
        `      ${seconds(op.invokeTime, from)}${span}  ${describeOperation(op)}${op.error !== undefined ? ` (${op.error})` : ''}`,
      );
    }
    if (a.ops.length > opsPerAnomalyMax)
      lines.push(`      ... and ${a.ops.length - opsPerAnomalyMax} more operations`);
  }
  if (anomalies.length > anomaliesShownMax)
    lines.push(`  ... and ${anomalies.length - anomaliesShownMax} more`);
  if (input.verdict !== undefined) lines.push('', input.verdict);
  return lines.join('\n') + '\n';
}
