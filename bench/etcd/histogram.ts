/**
 * A latency histogram with logarithmic buckets (2% wide, from 1 µs to about a minute): a
 * fixed, small array whatever the number of samples, so worker processes can send theirs
 * over IPC and the driver can merge them. Percentiles are read to within one bucket (2%).
 */
const growth = 1.02;
const bucketsMax = 900; // growth^900 µs ≈ 55 s; anything slower lands in the last bucket
const logGrowth = Math.log(growth);

export type HistogramCounts = number[];

export class Histogram {
  readonly counts: HistogramCounts;
  count = 0;

  constructor(counts?: HistogramCounts) {
    this.counts = counts ? [...counts] : new Array<number>(bucketsMax).fill(0);
    for (const c of this.counts) this.count += c;
  }

  /** Records one latency, in milliseconds. */
  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const bucket = Math.min(bucketsMax - 1, Math.floor(Math.log(us) / logGrowth));
    this.counts[bucket]! += 1;
    this.count += 1;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < bucketsMax; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
  }

  /** The latency (ms) below which `fraction` of the samples fall: the bucket's midpoint. */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let i = 0; i < bucketsMax; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (growth ** i * Math.sqrt(growth)) / 1000;
    }
    return growth ** bucketsMax / 1000;
  }
}
