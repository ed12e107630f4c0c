// The bench's pure parts: etcd-benchmark's summary parsed, latency percentiles, how the
// Node generator deals connections and clients to its workers, and how rounds take turns
// and combine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSummary, runTotal, warmupTotal } from '../../bench/etcd/etcd-benchmark.js';
import { Histogram } from '../../bench/etcd/histogram.js';
import { plan } from '../../bench/etcd/node-gen/driver.js';
import type { Figure } from '../../bench/etcd/figure.js';
import { parseOptions } from '../../bench/etcd/options.js';
import { combineRounds, nextRoundRate, roundOrder, roundsOf } from '../../bench/etcd/rounds.js';
import { clusterWorkloads, selectWorkloads, workloads } from '../../bench/etcd/workloads.js';

const summary = `
Summary:
  Total:	0.695815646 secs.
  Slowest:	0.09205894 secs.
  Requests/sec:	7185.811398095524

Latency distribution:
  10% in 5.150618e-05 secs.
  50% in 0.008606725 secs.
  99% in 0.082756125 secs.
  99.9% in 0.091780633 secs.

Error distribution:
  [3]	rpc error: code = Unavailable desc = transport is closing
`;

test('etcd-benchmark summary: rate, seconds, percentiles in ms, errors', () => {
  const parsed = parseSummary(summary);
  assert.equal(parsed.requestsPerSecond, 7185.811398095524);
  assert.equal(parsed.seconds, 0.695815646);
  assert.ok(Math.abs(parsed.percentilesMs.get('10')! - 0.05150618) < 1e-9);
  assert.ok(Math.abs(parsed.percentilesMs.get('50')! - 8.606725) < 1e-9);
  assert.ok(Math.abs(parsed.percentilesMs.get('99.9')! - 91.780633) < 1e-9);
  assert.equal(parsed.errors, 3);
  assert.match(parsed.firstError!, /Unavailable/);
  assert.throws(() => parseSummary('no summary here'), /no summary/);
});

test('histogram percentiles are within one 2% bucket', () => {
  const h = new Histogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(ms);
  for (const [fraction, want] of [
    [0.5, 500],
    [0.99, 990],
    [0.999, 999],
  ] as const) {
    const got = h.percentile(fraction);
    assert.ok(Math.abs(got - want) / want < 0.02, `p${fraction * 100}: ${got} vs ${want}`);
  }
  const merged = new Histogram(h.counts);
  merged.merge(h);
  assert.equal(merged.count, 2000);
  assert.ok(Number.isNaN(new Histogram().percentile(0.5)));
});

test('connections dealt round robin to workers, clients round robin to connections', () => {
  const w = { ...workloads[0]!, clients: 7, conns: 3 };
  assert.deepEqual(plan(w, 2), [[3, 2], [2]]);
  assert.deepEqual(plan(w, 8), [[3], [2], [2]]);
  assert.deepEqual(plan({ ...w, clients: 1, conns: 1 }, 4), [[1]]);
});

test('--only selects by name prefix and refuses a selection of nothing', () => {
  assert.deepEqual(
    selectWorkloads('range-s,txn').map((w) => w.name),
    ['range-s-200x20', 'txn-cas-100x10'],
  );
  assert.equal(selectWorkloads('').length, workloads.length);
  assert.throws(() => selectWorkloads('nope'), /matches no workload/);
});

test('bench flags: warm-up seconds default to 3, take 0, and refuse a negative', () => {
  assert.equal(parseOptions([]).warmupSeconds, 3);
  assert.equal(parseOptions(['--warmup-seconds', '0']).warmupSeconds, 0);
  assert.equal(parseOptions(['--warmup-seconds=1.5']).warmupSeconds, 1.5);
  assert.throws(() => parseOptions(['--warmup-seconds=-1']), /--warmup-seconds -1: want 0 or/);
  assert.throws(() => parseOptions(['--warmup-seconds', 'x']), /--warmup-seconds x: want 0 or/);
});

test('bench flags: warm-up requests default to 5000, take 0, and refuse a negative or fraction', () => {
  assert.equal(parseOptions([]).warmupRequests, 5000);
  assert.equal(parseOptions(['--warmup-requests', '0']).warmupRequests, 0);
  assert.throws(() => parseOptions(['--warmup-requests=-1']), /--warmup-requests -1: want 0 or/);
  assert.throws(() => parseOptions(['--warmup-requests=2.5']), /--warmup-requests 2.5: want 0/);
});

test('a warm-up runs long enough for its seconds and its requests, or not at all', () => {
  // 1 client at 400 ops/s: 3 s is 1,200 puts, too few for the JIT; the request floor holds.
  assert.equal(warmupTotal({ seconds: 3, requests: 5000 }, 400, 200), 5000);
  // 100 clients at 20,000 ops/s: the seconds hold.
  assert.equal(warmupTotal({ seconds: 3, requests: 5000 }, 20_000, 1000), 60_000);
  assert.equal(warmupTotal({ seconds: 0, requests: 300 }, 20_000, 1000), 1000);
  assert.equal(warmupTotal({ seconds: 0.5, requests: 0 }, 401, 10), 201);
  assert.equal(warmupTotal({ seconds: 0, requests: 0 }, 400, 200), 0);
});

test("a run lasts its seconds at the rate given, and later rounds take their server's last rate", () => {
  const keepAlive = workloads.find((w) => w.name === 'lease-keepalive-100x10')!;
  const put1 = workloads.find((w) => w.name === 'put-8B-1x1')!;
  assert.equal(runTotal(keepAlive, 11_000, 1), 11_000);
  assert.equal(runTotal(keepAlive, 500, 1), 1000); // 100 clients: 10 each at least
  assert.equal(runTotal(put1, 450, 1), 1000); // enough samples for a 99.9% line
  assert.equal(runTotal(put1, 450, 4), 1800);
  const round = (throughput: number) => ({ throughput }) as Figure;
  assert.equal(nextRoundRate([]), undefined);
  assert.equal(nextRoundRate([round(9000), round(11_000)]), 11_000);
});

test('rounds take turns in ABBA order, so a linear drift falls on both servers alike', () => {
  assert.deepEqual(roundOrder(1), ['etcd', 'concord']);
  assert.deepEqual(roundOrder(2), ['etcd', 'concord', 'concord', 'etcd']);
  for (const rounds of [2, 4, 6]) {
    const order = roundOrder(rounds);
    const meanSlot = (side: string): number =>
      order.reduce((s, o, i) => (o === side ? s + i : s), 0) / rounds;
    assert.equal(order.length, 2 * rounds);
    assert.equal(meanSlot('etcd'), meanSlot('concord'), `rounds ${rounds}`);
  }
});

test("the 3-member 1-client put takes three times the bench's rounds; the others take them as given", () => {
  const rounds = (name: string) =>
    roundsOf(
      clusterWorkloads.find((w) => w.name === name)!,
      4,
    );
  assert.equal(rounds('put-8B-1x1'), 12);
  assert.equal(rounds('put-8B-100x10'), 4);
  assert.equal(rounds('lease-keepalive-100x10'), 4);
  assert.equal(
    roundsOf(
      workloads.find((w) => w.name === 'put-8B-1x1')!,
      4,
    ),
    4,
  );
});

test('rounds combine: rates over total time, percentiles weighted by operations', () => {
  const round = (ops: number, seconds: number, p99Ms: number, extra = {}): Figure => ({
    workload: 'put-8B-1x1',
    server: 'concord',
    members: 3,
    generator: 'etcd-benchmark',
    throughput: ops / seconds,
    unit: 'ops/s',
    p50Ms: 1,
    p99Ms,
    p999Ms: 2 * p99Ms,
    ops,
    errors: 0,
    seconds,
    generatorCores: 0.5,
    serverCores: seconds,
    ...extra,
  });
  const one = round(1000, 2, 4);
  assert.equal(combineRounds([one]), one);
  const c = combineRounds([
    one,
    round(3000, 2, 8, { errors: 2, firstError: 'Unavailable', leaderChanged: true }),
  ]);
  assert.equal(c.throughput, 1000);
  assert.equal(c.ops, 4000);
  assert.equal(c.seconds, 4);
  assert.equal(c.p99Ms, 7);
  assert.equal(c.p999Ms, 14);
  assert.equal(c.p50Ms, 1);
  assert.equal(c.serverCores, 2);
  assert.equal(c.generatorCores, 0.5);
  assert.equal(c.errors, 2);
  assert.equal(c.firstError, 'Unavailable');
  assert.equal(c.leaderChanged, true);
  assert.equal(c.rounds, 2);
  assert.throws(() => combineRounds([]), /no rounds/);
});

test('bench flags: 4 rounds of 4 s in all by default; a round count must be a positive integer', () => {
  assert.equal(parseOptions([]).rounds, 4);
  assert.equal(parseOptions([]).seconds, 4);
  assert.equal(parseOptions(['--rounds', '1']).rounds, 1);
  assert.throws(() => parseOptions(['--rounds', '0']), /--rounds 0: want a positive integer/);
  assert.throws(() => parseOptions(['--rounds=1.5']), /--rounds 1.5: want a positive integer/);
});
