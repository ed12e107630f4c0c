/** prometheus.ExponentialBuckets(start, factor, count): the bucket bounds etcd declares. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const buckets: number[] = [];
  for (let i = 0; i < count; i++) buckets.push(Number((start * factor ** i).toPrecision(12)));
  return buckets;
}

/** prometheus.DefBuckets (go-grpc-prometheus's handling-time histogram uses them). */
export const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
