/**
 * CountedHistogram against prom-client's own Histogram: the same observations must give the
 * same /metrics text (series, labels, order, values) and the same JSON, before and after a
 * reset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { Prng } from '../../src/base/prng.js';
import { defaultBuckets } from '../../src/server/metrics/buckets.js';
import { CountedHistogram } from '../../src/server/metrics/counted-histogram.js';

const name = 'grpc_server_handling_seconds';
const help = 'Histogram of response latency (seconds).';
const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'];
const methods = [
  ['unary', 'etcdserverpb.KV', 'Put'],
  ['bidi_stream', 'etcdserverpb.Lease', 'LeaseKeepAlive'],
  ['unary', 'etcdserverpb.KV', 'Range'], // never observed: no series, as in prom-client
];

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({
    name,
    help,
    labelNames,
    buckets: defaultBuckets,
    registers: [theirs],
  });
  const counted = new CountedHistogram(name, help, labelNames, defaultBuckets, ours);
  return {
    theirs,
    ours,
    children: methods.map((m) => ({ theirs: histogram.labels(...m), ours: counted.child(...m) })),
  };
}

describe('CountedHistogram', () => {
  it('reports what prom-client reports for the same observations', async () => {
    const { theirs, ours, children } = pair();
    const prng = new Prng(0x415);
    // Bounds exactly, values between them, and past the last.
    const values = [...defaultBuckets, 0, 0.0049, 0.0051, 11, 1e6];
    for (let i = 0; i < 2000; i++) values.push(prng.int(12_000) / 1000);
    values.forEach((v, i) => {
      const child = children[i % 2]!;
      child.theirs.observe(v);
      child.ours.observe(v);
    });
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
    assert.match(await ours.metrics(), /grpc_method="LeaseKeepAlive"/);
    assert.doesNotMatch(await ours.metrics(), /grpc_method="Range"/);

    ours.resetMetrics();
    theirs.resetMetrics();
    assert.equal(await ours.metrics(), await theirs.metrics());
    children[0]!.ours.observe(0.2);
    children[0]!.theirs.observe(0.2);
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  it('reports an unlabelled histogram as prom-client does, zeros before any observation', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const buckets = [0.001, 0.002, 0.004];
    const histogram = new Histogram({ name, help, buckets, registers: [theirs] });
    const counted = new CountedHistogram(name, help, [], buckets, ours).child();
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /_count 0/);
    for (const v of [0.0005, 0.001, 0.003, 0.5]) {
      histogram.observe(v);
      counted.observe(v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });
});
