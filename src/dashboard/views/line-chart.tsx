/** A small SVG line chart: one or more series over the same time axis, no dependencies. */
export interface Series {
  readonly label: string;
  readonly color: string;
  /** One value per point (undefined: a gap). */
  readonly values: readonly (number | undefined)[];
}

export function LineChart({
  series,
  format,
  testid,
  slots = 90,
}: {
  series: readonly Series[];
  format: (value: number) => string;
  testid?: string;
  /** How many points the time axis holds (default 90). */
  slots?: number;
}) {
  const width = 320;
  const height = 110;
  const points = Math.max(2, ...series.map((s) => s.values.length));
  // A live chart: the time axis has `slots` places and the newest point is at the right.
  const span = Math.max(points, slots);
  const all = series.flatMap((s) =>
    s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)),
  );
  const max = Math.max(...all, 0) * 1.15 || 1;
  const x = (i: number): number => ((span - points + i) / (span - 1)) * width * 0.985;
  const y = (v: number): number => height - (v / max) * (height - 6) - 3;
  return (
    <figure class="chart" data-testid={testid}>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img">
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} class="grid-line" x1="0" x2={width} y1={height * f} y2={height * f} />
        ))}
        {series.map((s) => {
          let d = '';
          s.values.forEach((v, i) => {
            if (v === undefined || !Number.isFinite(v)) return;
            const previous = s.values[i - 1];
            const at = `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
            // A point after a gap starts a subpath; "l0,0" with round caps shows it as a dot
            // until a neighbour joins it into a line.
            d += d === '' || previous === undefined ? `M${at}l0,0` : `L${at}`;
          });
          return (
            <path
              key={s.label}
              d={d}
              stroke={s.color}
              fill="none"
              stroke-width="2.5"
              stroke-linecap="round"
              stroke-linejoin="round"
              vector-effect="non-scaling-stroke"
            />
          );
        })}
      </svg>
      <figcaption>
        {series.map((s) => {
          const last = [...s.values].reverse().find((v) => v !== undefined);
          return (
            <span key={s.label} class="legend">
              <span class="swatch" style={{ background: s.color }} />
              {s.label} <strong>{last === undefined ? '–' : format(last)}</strong>
            </span>
          );
        })}
        {all.length > 0 && <span class="muted small"> max {format(Math.max(...all))}</span>}
      </figcaption>
    </figure>
  );
}
