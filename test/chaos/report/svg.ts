import type { FaultMark } from './input.js';

/** Width of one character of the 11 px monospace labels. */
export const labelCharWidth = 6.7;

/** The time span a chart shows, and where a time falls on it horizontally. */
export interface Scale {
  readonly from: bigint;
  readonly to: bigint;
  x(time: bigint): number;
}

/** Maps [from, to] onto [left, right] pixels, clamping what falls outside. */
export function linearScale(from: bigint, to: bigint, left: number, right: number): Scale {
  const span = Number(to - from) || 1;
  const x = (time: bigint): number => {
    const at = left + (Number(time - from) / span) * (right - left);
    return Math.min(right, Math.max(left, at));
  };
  return { from, to, x };
}

/** Each fault as a shaded band from its start to its heal (or the chart's end), labelled
 *  just above `top`. */
export function faultBands(
  faults: readonly FaultMark[],
  scale: Scale,
  top: number,
  bottom: number,
): string[] {
  const parts: string[] = [];
  const open = new Map<string, FaultMark>();
  const band = (start: FaultMark, stop: bigint): void => {
    if (stop < scale.from || start.time > scale.to) return;
    const x0 = scale.x(start.time);
    const bandWidth = Math.max(2, scale.x(stop) - x0);
    const label = `${start.nemesis}${start.detail !== undefined ? `: ${start.detail}` : ''}`;
    // The label fits over its band, so neighbouring faults stay readable; hover for all of it.
    const chars = Math.floor(bandWidth / labelCharWidth);
    parts.push(
      `<g class="fault"><title>${escapeXml(label)}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${top}" width="${bandWidth.toFixed(1)}" height="${bottom - top}"/>` +
        (chars >= 4
          ? `<text x="${(x0 + 2).toFixed(1)}" y="${top - 3}">${escapeXml(truncate(label, chars))}</text>`
          : '') +
        '</g>',
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

/** Vertical ticks from `top` to `bottom`, labelled below in seconds since `origin` (the run's
 *  start, the same clock as the text report). */
export function timeAxis(scale: Scale, origin: bigint, top: number, bottom: number): string[] {
  const parts: string[] = [];
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = scale.from + ((scale.to - scale.from) * BigInt(i)) / BigInt(ticks);
    const x = scale.x(t).toFixed(1);
    const anchor = i === 0 ? 'start' : i === ticks ? 'end' : 'middle';
    parts.push(
      `<line class="tick" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/>`,
      `<text class="tick" x="${x}" y="${bottom + 14}" text-anchor="${anchor}">${(Number(t - origin) / 1e9).toFixed(3)} s</text>`,
    );
  }
  return parts;
}

export function truncate(text: string, chars: number): string {
  return text.length <= chars ? text : text.slice(0, Math.max(0, chars - 1)) + '…';
}

/** Escapes text for XML and HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
