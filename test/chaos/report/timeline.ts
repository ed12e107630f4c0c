import type { Anomaly } from '../checker/result.js';
import type { Operation } from '../history/operation.js';
import { describeOperation } from '../history/operation.js';
import type { FaultMark } from './input.js';
import type { Scale } from './svg.js';
import { escapeXml, faultBands, labelCharWidth, linearScale, timeAxis, truncate } from './svg.js';

/** The operations drawn around one anomaly, at most (the nearest in time are kept). */
const opsDrawnMax = 160;
const laneHeight = 22;
const marginLeft = 64;
const marginRight = 10;
const marginTop = 28;
const width = 1100;
const charWidth = labelCharWidth;

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
  const scale = scaleAround(anomaly.ops, origin);
  const drawn = nearby(anomaly, ops, scale);
  const lanes = [...new Set(drawn.map((op) => op.process))].sort((a, b) => a - b);
  const height = marginTop + lanes.length * laneHeight + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...faultBands(faults, scale, marginTop - 6, height - 24),
    ...timeAxis(scale, origin, marginTop - 4, height - 20),
    ...lanes.flatMap((process, i) => lane(process, i, anomaly, drawn, scale)),
    '</svg>',
  ].join('\n');
}

/** The anomaly's operations, with a fifth of their span (at least 1 ms) on either side, not
 *  reaching back before the run began. */
function scaleAround(involved: readonly Operation[], origin: bigint): Scale {
  const lo = min(involved.map((op) => op.invokeTime));
  const hi = max(involved.map((op) => op.returnTime ?? op.gaveUpTime ?? op.invokeTime));
  const pad = (hi - lo) / 5n + 1_000_000n;
  const from = lo - pad > origin ? lo - pad : origin;
  return linearScale(from, hi + pad, marginLeft, width - marginRight);
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

function min(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b < a ? b : a));
}

function max(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}
