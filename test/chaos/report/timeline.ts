import type { Anomaly } from '../checker/result.js';
import type { Operation } from '../history/operation.js';
import { describeOperation } from '../history/operation.js';
import type { FaultMark } from './input.js';

/** The operations drawn around one anomaly, at most (the nearest in time are kept). */
const opsDrawnMax = 160;
const laneHeight = 22;
const marginLeft = 64;
const marginRight = 10;
const marginTop = 28;
const width = 1100;
/** Width of one character of the 11 px monospace labels. */
const charWidth = 6.7;

/** The time span drawn, and where a time falls on the page. */
interface Scale {
  readonly from: bigint;
  readonly to: bigint;
  x(time: bigint): number;
}

/**
 * The anomaly's window as an SVG timeline, in the style of Porcupine's and Jepsen's
 * visualisations: one lane per process, a bar from each operation's invoke to its return (an
 * indeterminate one fades out to the right edge: its return is at +infinity), the anomaly's
 * operations highlighted and its focus strongest, faults shaded behind. Hovering a bar shows
 * the operation in full.
 */
export function renderTimeline(
  anomaly: Anomaly,
  ops: readonly Operation[],
  faults: readonly FaultMark[],
  origin: bigint,
): string {
  const scale = scaleAround(anomaly.ops);
  const drawn = nearby(anomaly, ops, scale);
  const lanes = [...new Set(drawn.map((op) => op.process))].sort((a, b) => a - b);
  const height = marginTop + lanes.length * laneHeight + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...faultBands(faults, scale, height),
    ...axis(scale, origin, height),
    ...lanes.flatMap((process, i) => lane(process, i, anomaly, drawn, scale)),
    '</svg>',
  ].join('\n');
}

/** The anomaly's operations, with a fifth of their span (at least 1 ms) on either side. */
function scaleAround(involved: readonly Operation[]): Scale {
  const lo = min(involved.map((op) => op.invokeTime));
  const hi = max(involved.map((op) => op.returnTime ?? op.gaveUpTime ?? op.invokeTime));
  const pad = (hi - lo) / 5n + 1_000_000n;
  const from = lo - pad;
  const to = hi + pad;
  const span = Number(to - from);
  const x = (time: bigint): number => {
    const at = marginLeft + (Number(time - from) / span) * (width - marginLeft - marginRight);
    return Math.min(width - marginRight, Math.max(marginLeft, at));
  };
  return { from, to, x };
}

/** The anomaly's operations and those related to them (same key; for keyless ones, same
 *  function) that overlap the window, nearest first, at most `opsDrawnMax`. */
function nearby(anomaly: Anomaly, ops: readonly Operation[], scale: Scale): Operation[] {
  // By invoke index, not identity: the checker may have paired its own copy of the history.
  const involved = new Set(anomaly.ops.map((op) => op.invokeIndex));
  const keys = new Set([anomaly.key, ...anomaly.ops.map((op) => op.key)]);
  const functions = new Set(anomaly.ops.filter((op) => op.key === undefined).map((op) => op.f));
  const related = (op: Operation): boolean =>
    op.key !== undefined ? keys.has(op.key) : functions.has(op.f);
  const overlaps = (op: Operation): boolean =>
    op.invokeTime <= scale.to && (op.returnTime === undefined || op.returnTime >= scale.from);
  const distance = (op: Operation): number => {
    const end = op.returnTime ?? op.invokeTime;
    const middle = (scale.from + scale.to) / 2n;
    return Math.min(Math.abs(Number(op.invokeTime - middle)), Math.abs(Number(end - middle)));
  };
  const others = ops
    .filter((op) => !involved.has(op.invokeIndex) && related(op) && overlaps(op))
    .sort((a, b) => distance(a) - distance(b))
    .slice(0, Math.max(0, opsDrawnMax - anomaly.ops.length));
  return [...anomaly.ops, ...others];
}

/** One process's lane: its name, a rule, and its operations' bars with their labels. */
function lane(
  process: number,
  index: number,
  anomaly: Anomaly,
  drawn: readonly Operation[],
  scale: Scale,
): string[] {
  const top = marginTop + index * laneHeight;
  const parts = [
    `<text class="lane" x="4" y="${top + 15}">p${process}</text>`,
    `<line class="lane-rule" x1="${marginLeft}" x2="${width - marginRight}" y1="${top + laneHeight - 1}" y2="${top + laneHeight - 1}"/>`,
  ];
  const mine = drawn
    .filter((op) => op.process === process)
    .sort((a, b) => (a.invokeTime < b.invokeTime ? -1 : 1));
  mine.forEach((op, i) => {
    const x0 = scale.x(op.invokeTime);
    const x1 = op.returnTime !== undefined ? scale.x(op.returnTime) : width - marginRight;
    // A label that does not fit its bar goes after it, up to the lane's next bar.
    const next = mine[i + 1];
    const limit = next !== undefined ? scale.x(next.invokeTime) - 4 : width - marginRight;
    const label = shortLabel(op);
    const inside = label.length * charWidth <= x1 - x0 - 6;
    const textX = inside ? x0 + 3 : x1 + 3;
    const room = Math.floor(((inside ? x1 - 3 : limit) - textX) / charWidth);
    const classes = ['op', op.type];
    if (anomaly.ops.some((a) => a.invokeIndex === op.invokeIndex)) classes.push('anomalous');
    if (anomaly.focus?.some((a) => a.invokeIndex === op.invokeIndex) === true)
      classes.push('focus');
    const title = describeOperation(op) + (op.error !== undefined ? ` (${op.error})` : '');
    parts.push(
      `<g class="${classes.join(' ')}"><title>${escapeXml(title)}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${top + 3}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${laneHeight - 6}" rx="3"/>` +
        (room >= 3
          ? `<text x="${textX.toFixed(1)}" y="${top + 15}">${escapeXml(truncate(label, room))}</text>`
          : '') +
        '</g>',
    );
  });
  return parts;
}

/** Each fault as a shaded band from its start to its heal (or the window's end). */
function faultBands(faults: readonly FaultMark[], scale: Scale, height: number): string[] {
  const parts: string[] = [];
  const open = new Map<string, FaultMark>();
  const band = (start: FaultMark, stop: bigint): void => {
    if (stop < scale.from || start.time > scale.to) return;
    const x0 = scale.x(start.time);
    const label = `${start.nemesis}${start.detail !== undefined ? `: ${start.detail}` : ''}`;
    parts.push(
      `<g class="fault"><title>${escapeXml(label)}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${marginTop - 6}" width="${Math.max(2, scale.x(stop) - x0).toFixed(1)}" height="${height - marginTop - 18}"/>` +
        `<text x="${(x0 + 2).toFixed(1)}" y="${marginTop - 9}">${escapeXml(truncate(label, 48))}</text></g>`,
    );
  };
  for (const mark of [...faults].sort((a, b) => (a.time < b.time ? -1 : 1))) {
    const start = open.get(mark.nemesis);
    if (mark.phase === 'start') open.set(mark.nemesis, mark);
    else if (start !== undefined) {
      open.delete(mark.nemesis);
      band(start, mark.time);
    }
  }
  for (const start of open.values()) band(start, scale.to);
  return parts;
}

/** Ticks in seconds since the run began, the same clock as the text report. */
function axis(scale: Scale, origin: bigint, height: number): string[] {
  const parts: string[] = [];
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = scale.from + ((scale.to - scale.from) * BigInt(i)) / BigInt(ticks);
    const x = scale.x(t).toFixed(1);
    const anchor = i === 0 ? 'start' : i === ticks ? 'end' : 'middle';
    parts.push(
      `<line class="tick" x1="${x}" x2="${x}" y1="${marginTop - 4}" y2="${height - 20}"/>`,
      `<text class="tick" x="${x}" y="${height - 6}" text-anchor="${anchor}">${(Number(t - origin) / 1e9).toFixed(3)} s</text>`,
    );
  }
  return parts;
}

function shortLabel(op: Operation): string {
  const key = op.key !== undefined ? ` ${op.key}` : '';
  const input = op.input !== undefined ? ` ${JSON.stringify(op.input)}` : '';
  const outcome =
    op.type !== 'ok'
      ? ` ${op.type}`
      : op.output !== undefined
        ? ` → ${JSON.stringify(op.output)}`
        : '';
  return `${op.f}${key}${input}${outcome}`;
}

function truncate(text: string, chars: number): string {
  return text.length <= chars ? text : text.slice(0, Math.max(0, chars - 1)) + '…';
}

function min(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b < a ? b : a));
}

function max(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}

/** Escapes text for XML and HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
