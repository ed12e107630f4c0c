import type { Anomaly } from '../checker/result.js';
import type { Operation } from '../history/operation.js';
import { describeOperation } from '../history/operation.js';
import type { FaultMark } from './input.js';

/** The operations drawn around one anomaly, at most (the nearest in time are kept). */
const opsDrawnMax = 160;
const laneHeight = 22;
const marginLeft = 64;
const marginTop = 28;
const width = 1100;
/** Width of one character of the 11 px monospace labels. */
const charWidth = 6.7;

/**
 * The anomaly's window as an SVG timeline, in the style of Porcupine's and Jepsen's
 * visualisations: one lane per process, a bar from each operation's invoke to its return (an
 * indeterminate one fades out to the right edge: its return is at +infinity), the anomaly's
 * operations highlighted, and faults shaded behind. Hovering a bar shows the operation.
 */
export function renderTimeline(
  anomaly: Anomaly,
  ops: readonly Operation[],
  faults: readonly FaultMark[],
  origin: bigint,
): string {
  const involved = new Set(anomaly.ops);
  const end = (op: Operation): bigint => op.returnTime ?? op.gaveUpTime ?? op.invokeTime;
  const lo = min(anomaly.ops.map((op) => op.invokeTime));
  const hi = max(anomaly.ops.map(end));
  const pad = (hi - lo) / 5n + 1_000_000n; // a fifth of the window each side, at least 1 ms
  const from = lo - pad;
  const to = hi + pad;
  const related = ops.filter(
    (op) =>
      involved.has(op) ||
      (relatedTo(anomaly, op) &&
        op.invokeTime <= to &&
        (op.returnTime === undefined || op.returnTime >= from)),
  );
  const drawn = [...related]
    .sort((a, b) => distance(a, lo, hi) - distance(b, lo, hi))
    .slice(0, opsDrawnMax);
  for (const op of anomaly.ops) if (!drawn.includes(op)) drawn.push(op);
  const lanes = [...new Set(drawn.map((op) => op.process))].sort((a, b) => a - b);
  const height = marginTop + lanes.length * laneHeight + 24;
  const x = (t: bigint): number =>
    marginLeft + (Number(t - from) / Number(to - from)) * (width - marginLeft - 10);
  const clampX = (t: bigint): number => Math.min(width - 10, Math.max(marginLeft, x(t)));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  );
  parts.push(...faultBands(faults, from, to, clampX, height));
  parts.push(...axis(from, to, origin, x, height));
  lanes.forEach((process, i) => {
    const y = marginTop + i * laneHeight;
    parts.push(`<text class="lane" x="4" y="${y + 15}">p${process}</text>`);
    parts.push(
      `<line class="lane-rule" x1="${marginLeft}" x2="${width - 10}" y1="${y + laneHeight - 1}" y2="${y + laneHeight - 1}"/>`,
    );
  });
  for (const op of drawn) {
    const y = marginTop + lanes.indexOf(op.process) * laneHeight + 3;
    const x0 = clampX(op.invokeTime);
    const x1 = op.returnTime !== undefined ? clampX(op.returnTime) : width - 10;
    const classes = ['op', op.type, ...(involved.has(op) ? ['anomalous'] : [])].join(' ');
    const label = shortLabel(op);
    // A label that does not fit its bar goes after it, cut short of the edge.
    const fits = label.length * charWidth <= x1 - x0 - 4;
    const textX = fits ? x0 + 3 : x1 + 3;
    const room = Math.floor((fits ? x1 - x0 : width - 10 - textX) / charWidth);
    parts.push(
      `<g class="${classes}"><title>${escapeXml(describeOperation(op) + (op.error !== undefined ? ` (${op.error})` : ''))}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${laneHeight - 6}" rx="3"/>` +
        `<text x="${textX.toFixed(1)}" y="${y + 12}">${escapeXml(label.slice(0, Math.max(0, room)))}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Same key, or for keyless operations (txns) the same function. */
function relatedTo(anomaly: Anomaly, op: Operation): boolean {
  if (anomaly.key !== undefined && op.key === anomaly.key) return true;
  return anomaly.ops.some((a) =>
    a.key !== undefined ? a.key === op.key : a.f === op.f && op.key === undefined,
  );
}

function distance(op: Operation, lo: bigint, hi: bigint): number {
  const end = op.returnTime ?? op.invokeTime;
  if (end < lo) return Number(lo - end);
  if (op.invokeTime > hi) return Number(op.invokeTime - hi);
  return 0;
}

function faultBands(
  faults: readonly FaultMark[],
  from: bigint,
  to: bigint,
  x: (t: bigint) => number,
  height: number,
): string[] {
  const parts: string[] = [];
  const open = new Map<string, FaultMark>();
  const band = (start: bigint, stop: bigint, mark: FaultMark): void => {
    if (stop < from || start > to) return;
    const x0 = x(start);
    const label = `${mark.nemesis}${mark.detail !== undefined ? `: ${mark.detail}` : ''}`;
    parts.push(
      `<g class="fault"><title>${escapeXml(label)}</title><rect x="${x0.toFixed(1)}" y="${marginTop - 6}" width="${Math.max(2, x(stop) - x0).toFixed(1)}" height="${height - marginTop - 18}"/><text x="${(x0 + 2).toFixed(1)}" y="${marginTop - 9}">${escapeXml(label.slice(0, 40))}</text></g>`,
    );
  };
  for (const mark of [...faults].sort((a, b) => (a.time < b.time ? -1 : 1))) {
    if (mark.phase === 'start') open.set(mark.nemesis, mark);
    else {
      const start = open.get(mark.nemesis);
      open.delete(mark.nemesis);
      if (start !== undefined) band(start.time, mark.time, start);
    }
  }
  for (const start of open.values()) band(start.time, to, start);
  return parts;
}

function axis(
  from: bigint,
  to: bigint,
  origin: bigint,
  x: (t: bigint) => number,
  height: number,
): string[] {
  const parts: string[] = [];
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = from + ((to - from) * BigInt(i)) / BigInt(ticks);
    const label = `${(Number(t - origin) / 1e6).toFixed(1)} ms`;
    parts.push(
      `<line class="tick" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${marginTop - 4}" y2="${height - 20}"/>`,
    );
    parts.push(`<text class="tick" x="${x(t).toFixed(1)}" y="${height - 6}">${label}</text>`);
  }
  return parts;
}

function shortLabel(op: Operation): string {
  const key = op.key !== undefined ? ` ${op.key}` : '';
  const input = op.input !== undefined ? ` ${JSON.stringify(op.input)}` : '';
  const output =
    op.type === 'ok' && op.output !== undefined
      ? ` → ${JSON.stringify(op.output)}`
      : op.type === 'ok'
        ? ''
        : ` ${op.type}`;
  return `${op.f}${key}${input}${output}`;
}

function min(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b < a ? b : a));
}

function max(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
