/**
 * A labelled histogram whose children count in plain arrays, read by a prom-client registry
 * exactly as its own Histogram is (the same series, labels and order). prom-client's child
 * observe() validates and hashes its labels on every call: about 2% of a leader's busy time
 * under lease keep-alives, where every renewal is a call, and as much under reads. Here a
 * child is found once (per method) and an observation is a few comparisons and additions.
 */
import type { Metric, Registry } from 'prom-client';

/** One series of the histogram, shaped as prom-client's Histogram.get() shapes it. */
interface HistogramValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
  readonly exemplar: null | undefined;
}

export class CountedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children: HistogramChild[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child for these label values, in labelNames' order; keep it (each call makes one). */
  child(...labelValues: string[]): HistogramChild {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => (labels[name] = labelValues[i] ?? ''));
    const child = new HistogramChild(labels, this.bounds);
    this.children.push(child);
    return child;
  }

  /**
   * The series prom-client's Histogram reports: only label sets observed at least once, and
   * an unlabelled histogram's zeros before its first observation too. (After a reset
   * prom-client drops those zeros; they stay here, as in etcd's Go client.)
   */
  get(): {
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramValue[];
  } {
    const values: HistogramValue[] = [];
    for (const child of this.children) {
      if (child.count === 0 && this.labelNames.length > 0) continue;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += child.counts[i]!;
        values.push({
          labels: { le, ...child.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: '+Inf', ...child.labels },
          value: child.count,
          metricName: `${this.name}_bucket`,
          exemplar: null,
        },
        {
          labels: { ...child.labels },
          value: child.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: { ...child.labels },
          value: child.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  /** For Registry.resetMetrics(). */
  reset(): void {
    for (const child of this.children) child.reset();
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative); the last counts those above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Counts `value` in the first bucket whose bound is at least it (prom-client's rule). */
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
