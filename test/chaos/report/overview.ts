import type { Operation } from '../history/operation.js';
import type { FaultMark } from './input.js';
import { faultBands, linearScale, timeAxis } from './svg.js';

const width = 1100;
const height = 150;
const marginLeft = 64;
const marginRight = 10;
const top = 24;
const bottom = height - 22;
const buckets = 100;
const outcomes = ['ok', 'fail', 'info'] as const;

/**
 * The whole run at a glance, Jepsen's "rate" graph: operations completed per time slice,
 * stacked by outcome (ok, fail, info), over the faults. Availability dips and timeouts show up
 * where the faults are.
 */
export function renderOverview(
  ops: readonly Operation[],
  faults: readonly FaultMark[],
  origin: bigint,
): string {
  const ends = ops.map((op) => op.returnTime ?? op.gaveUpTime ?? op.invokeTime);
  const times = [...ends, ...faults.map((f) => f.time), origin];
  const from = origin;
  const to = times.reduce((a, b) => (b > a ? b : a), origin + 1n);
  const scale = linearScale(from, to, marginLeft, width - marginRight);
  const slice = (to - from) / BigInt(buckets) + 1n;
  const counts = Array.from({ length: buckets }, () => ({ ok: 0, fail: 0, info: 0 }));
  ops.forEach((op, i) => counts[Number((ends[i]! - from) / slice)]![op.type]++);
  const most = Math.max(1, ...counts.map((c) => c.ok + c.fail + c.info));
  const barWidth = (width - marginLeft - marginRight) / buckets;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="overview" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...faultBands(faults, scale, top, bottom),
    ...timeAxis(scale, origin, top, bottom),
    `<text class="lane" x="4" y="${top + 10}">${most}</text>`,
    `<text class="lane" x="4" y="${bottom}">0</text>`,
  ];
  counts.forEach((count, i) => {
    let y = bottom;
    for (const outcome of outcomes) {
      const h = (count[outcome] / most) * (bottom - top);
      if (h === 0) continue;
      y -= h;
      const x = marginLeft + i * barWidth;
      parts.push(
        `<rect class="rate ${outcome}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${count[outcome]} ${outcome}</title></rect>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}
