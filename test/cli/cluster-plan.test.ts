// The local cluster's layout: ports from the base (client base+2(i-1), peer base+2(i-1)+1),
// names, data dirs, the serve flags each member gets, and the limits on size and ports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointsOf, planCluster, serveArgs } from '../../src/cli/cluster-plan.js';
import { UsageError } from '../../src/cli/command-error.js';

const shape = { members: 3, basePort: 2379, dataDir: 'cluster.concord', token: 't' };

describe('cluster plan', () => {
  it("gives member 1 etcd's default ports, and each next member the next two", () => {
    const plan = planCluster(shape);
    assert.deepEqual(
      plan.members.map((m) => [m.name, m.clientUrl, m.peerUrl, m.dataDir]),
      [
        ['member1', 'http://127.0.0.1:2379', 'http://127.0.0.1:2380', 'cluster.concord/member1'],
        ['member2', 'http://127.0.0.1:2381', 'http://127.0.0.1:2382', 'cluster.concord/member2'],
        ['member3', 'http://127.0.0.1:2383', 'http://127.0.0.1:2384', 'cluster.concord/member3'],
      ],
    );
    assert.equal(endpointsOf(plan), '127.0.0.1:2379,127.0.0.1:2381,127.0.0.1:2383');
    assert.equal(
      plan.initialCluster,
      'member1=http://127.0.0.1:2380,member2=http://127.0.0.1:2382,member3=http://127.0.0.1:2384',
    );
  });

  it("passes each member etcd's flags, then the user's extra flags (which win)", () => {
    const plan = planCluster(shape);
    const args = serveArgs(plan, plan.members[1]!, ['--snapshot-count', '10']);
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    assert.equal(flag('--name'), 'member2');
    assert.equal(flag('--listen-peer-urls'), 'http://127.0.0.1:2382');
    assert.equal(flag('--initial-cluster'), plan.initialCluster);
    assert.equal(flag('--initial-cluster-token'), 't');
    assert.deepEqual(args.slice(-2), ['--snapshot-count', '10']);
  });

  it('refuses an even or too large member count and ports past 65535', () => {
    for (const members of [0, 2, 4, 9]) {
      assert.throws(() => planCluster({ ...shape, members }), UsageError);
    }
    assert.equal(planCluster({ ...shape, members: 7, basePort: 65_522 }).members.length, 7);
    assert.throws(
      () => planCluster({ ...shape, members: 7, basePort: 65_523 }),
      /7 members need ports 65523\.\.65536, within 1\.\.65535/,
    );
  });
});
