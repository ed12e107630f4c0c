/**
 * Reads Prometheus' text exposition format (what /metrics serves) into samples, and derives
 * what the Charts page plots: counter rates and histogram quantiles between two scrapes.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type Scrape = readonly Sample[];

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const match = line.exec(raw);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const found of (match[3] ?? '').matchAll(label)) {
      labels[found[1] as string] = (found[2] as string).replace(/\\(.)/g, '$1');
    }
    const value = match[4] === '+Inf' ? Infinity : Number(match[4]);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

/** The sum of every series of `name` whose labels include `where`. */
export function total(
  scrape: Scrape,
  name: string,
  where: Record<string, string> = {},
): number | undefined {
  let sum: number | undefined;
  for (const sample of scrape) {
    if (sample.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => sample.labels[k] !== v)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** Cumulative bucket counts of histogram `name` by upper bound, summed over series. */
function buckets(scrape: Scrape, name: string, where: Record<string, string>): Map<number, number> {
  const out = new Map<number, number>();
  for (const sample of scrape) {
    if (sample.name !== `${name}_bucket`) continue;
    if (Object.entries(where).some(([k, v]) => sample.labels[k] !== v)) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    out.set(le, (out.get(le) ?? 0) + sample.value);
  }
  return out;
}

/**
 * The q-quantile (0..1) of what histogram `name` observed between two scrapes, interpolated
 * linearly within the bucket as Prometheus' histogram_quantile does; undefined without new
 * observations.
 */
export function quantileBetween(
  before: Scrape,
  after: Scrape,
  name: string,
  q: number,
  where: Record<string, string> = {},
): number | undefined {
  const a = buckets(before, name, where);
  const b = buckets(after, name, where);
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const counts = bounds.map((le) => (b.get(le) ?? 0) - (a.get(le) ?? 0));
  const count = counts[counts.length - 1] ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  for (let i = 0; i < bounds.length; i++) {
    if ((counts[i] as number) >= rank) {
      const upper = bounds[i] as number;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      if (upper === Infinity) return lower;
      const below = i === 0 ? 0 : (counts[i - 1] as number);
      const inBucket = (counts[i] as number) - below;
      return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    }
  }
  return undefined;
}
