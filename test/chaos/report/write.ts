import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtmlReport } from './html.js';
import type { ReportInput } from './input.js';
import { renderTextReport } from './text.js';

export interface WrittenReports {
  readonly text: string;
  readonly html: string;
}

/**
 * Writes a run's reports into its directory: `report.txt` (renderTextReport) and
 * `timeline.html` (renderHtmlReport). Returns their paths.
 *
 * @example
 *   writeReports(runDir, { title: `Concord chaos run, seed ${seed}`, events: recorder.events(),
 *     faults: nemesisEvents, results, verdict });
 */
export function writeReports(
  dir: string,
  input: ReportInput,
  names = { text: 'report.txt', html: 'timeline.html' },
): WrittenReports {
  const text = join(dir, names.text);
  const html = join(dir, names.html);
  writeFileSync(text, renderTextReport(input));
  writeFileSync(html, renderHtmlReport(input));
  return { text, html };
}
