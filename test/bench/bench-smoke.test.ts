// The bench's own machinery, end to end but short: a real Concord member, the Node load
// generator's worker processes for about a second, a figure out. Benchmarks are not tests
// (npm run bench); this only proves the script works. Skipped on a machine so busy that a
// member and two workers could not start in reasonable time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { test } from 'node:test';
import { Cleanup } from '../../bench/etcd/cleanup.js';
import { singleTarget } from '../../bench/etcd/load-target.js';
import { nodeFigure } from '../../bench/etcd/node-figure.js';
import { waitWritable } from '../../bench/etcd/node-gen/ready.js';
import { startConcord } from '../../bench/etcd/servers.js';
import { workloads, type Workload, type WorkloadKind } from '../../bench/etcd/workloads.js';

const loadPerCpuMax = 12;
const busy = loadavg()[0]! / availableParallelism() > loadPerCpuMax;

test(
  'the Node generator measures puts, txns and watch events against a real Concord member',
  {
    timeout: 90_000,
    skip: busy ? `load average over ${loadPerCpuMax} per CPU: would take too long` : false,
  },
  async () => {
    const cleanup = new Cleanup();
    let dir: string | undefined;
    try {
      const server = await startConcord(cleanup);
      dir = server.dir;
      await waitWritable(server.endpoint);
      // A short figure of a workload of `kind` on the member: 4 clients over 2 connections.
      const measure = (kind: WorkloadKind, change: Partial<Workload> = {}) =>
        nodeFigure({
          workload: { ...workloads.find((w) => w.kind === kind)!, clients: 4, conns: 2, ...change },
          target: singleTarget(server),
          seconds: 1,
          workersMax: 2,
        });
      const figure = await measure('put');
      assert.equal(figure.server, 'concord');
      assert.equal(figure.generator, 'node');
      assert.equal(figure.errors, 0, figure.firstError);
      assert.ok(figure.ops > 0, 'some puts were acknowledged');
      assert.ok(figure.throughput > 0 && Number.isFinite(figure.throughput));
      assert.ok(figure.p50Ms > 0 && figure.p50Ms <= figure.p99Ms && figure.p99Ms <= figure.p999Ms);
      assert.ok(figure.generatorCores > 0, 'the workers report their CPU use');

      // Compare-and-put on each client's own key: every compare holds.
      const txns = await measure('txn');
      assert.equal(txns.errors, 0, txns.firstError);
      assert.ok(txns.ops > 0, 'some txns succeeded');

      // A fixed load: the window's puts, each to every watcher, and not the warm-up's.
      const putsPerSecond = 50;
      const events = await measure('watch', { putsPerSecond });
      assert.equal(events.errors, 0, events.firstError);
      assert.equal(
        events.ops,
        4 * putsPerSecond,
        "every watcher saw each of the window's puts once",
      );
    } finally {
      await cleanup.run();
    }
    assert.ok(
      dir !== undefined && !existsSync(dir),
      `cleanup removed the member's temp dir ${dir}`,
    );
  },
);
