import { pairOperations } from '../history/operation.js';
import type { ReportInput } from './input.js';
import { allAnomalies, origin } from './input.js';
import { renderTextReport } from './text.js';
import { renderOverview } from './overview.js';
import { escapeXml } from './svg.js';
import { renderTimeline } from './timeline.js';

/** Timelines drawn, at most: the first anomalies are the ones a person reads. */
const timelinesMax = 20;

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.verdict.fail { color: #b3261e; } .verdict.pass { color: #1b7f3b; }
pre { background: #f5f6f8; padding: 12px; overflow-x: auto; font-size: 12px; }
.anomaly-message { font-family: ui-monospace, monospace; font-size: 12px; }
svg.timeline { border: 1px solid #d9dce3; background: #fff; }
svg text { font: 11px ui-monospace, monospace; fill: #1d2330; }
svg text.tick { fill: #6b7280; }
svg line.tick { stroke: #eceef2; } svg line.lane-rule { stroke: #f3f4f6; }
.op rect { fill: #c9defc; stroke: #5b8fd6; }
.op.fail rect { fill: #e5e7eb; stroke: #9ca3af; }
.op.info rect { fill: url(#fade); stroke: #d4a72c; stroke-dasharray: 4 3; }
.op.anomalous rect { fill: #f9c7c3; stroke: #b3261e; stroke-width: 2; }
.op.focus rect { fill: #e8705f; stroke: #7f1d1d; stroke-width: 2.5; }
.fault rect { fill: #fde68a; opacity: 0.35; } .fault text { fill: #92400e; }
svg.overview { border: 1px solid #d9dce3; background: #fff; }
.rate.ok { fill: #5b8fd6; } .rate.fail { fill: #9ca3af; } .rate.info { fill: #d4a72c; }
`;

const gradient =
  '<svg width="0" height="0" style="position:absolute"><defs><linearGradient id="fade">' +
  '<stop offset="0" stop-color="#fbe7b0"/><stop offset="1" stop-color="#fbe7b0" stop-opacity="0"/>' +
  '</linearGradient></defs></svg>';

/**
 * The run's report as one self-contained HTML page (inline CSS and SVG, no script, no
 * external asset), so it opens from a CI artifact as is: the verdict, the text report, and a
 * timeline of the operations around each anomaly.
 */
export function renderHtmlReport(input: ReportInput): string {
  const anomalies = allAnomalies(input);
  const ops = pairOperations(input.events);
  const start = origin(input);
  const failed = anomalies.length > 0 || input.results.some((r) => r.valid !== true);
  const sections = anomalies.slice(0, timelinesMax).map((a, i) => {
    const title = `${i + 1}. [${a.checker}/${a.kind}]${a.key !== undefined ? ` key ${a.key}` : ''}`;
    const timeline =
      a.ops.length > 0
        ? renderTimeline(a, ops, input.faults, start)
        : '<p>(no operations to draw)</p>';
    return `<section class="anomaly"><h2>${escapeXml(title)}</h2><p class="anomaly-message">${escapeXml(a.message)}</p>${timeline}</section>`;
  });
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>${style}</style></head><body>`,
    gradient,
    `<h1>${escapeXml(input.title)}</h1>`,
    `<p class="verdict ${failed ? 'fail' : 'pass'}">${escapeXml(input.verdict ?? (failed ? 'anomalies found' : 'no anomalies'))}</p>`,
    ops.length > 0
      ? `<h2>Operations completed over time (ok, fail, info) and faults</h2>${renderOverview(ops, input.faults, start)}`
      : '',
    ...sections,
    anomalies.length > timelinesMax
      ? `<p>... and ${anomalies.length - timelinesMax} more anomalies (see the text report)</p>`
      : '',
    `<h2>Report</h2><pre>${escapeXml(renderTextReport(input))}</pre>`,
    '</body></html>',
    '',
  ].join('\n');
}
