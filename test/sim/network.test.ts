import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { message } from '../../src/raft/message.js';
import type { Message } from '../../src/raft/types.js';
import { SimNetwork, perfectNetwork } from './network.js';

function app(from: bigint, to: bigint, index = 0): Message {
  return message({ type: 'MsgApp', from, to, index });
}

/** Delivers everything in flight, tick by tick, up to `ticks`. */
function drain(network: SimNetwork, ticks: number): Message[] {
  const out: Message[] = [];
  for (let now = 1; now <= ticks; now++) out.push(...network.deliver(now).delivered);
  return out;
}

describe('SimNetwork', () => {
  it('delivers every message once on a perfect network, one tick later', () => {
    const network = new SimNetwork(new Prng(1), perfectNetwork);
    network.send(app(1n, 2n), 0);
    network.send(app(2n, 1n), 0);
    assert.equal(network.deliver(1).delivered.length, 2);
    assert.deepEqual(network.stats, { sent: 2, delivered: 2, dropped: 0, duplicated: 0 });
  });

  it('keeps delays within [1, delayTicksMax] and reorders within them', () => {
    const network = new SimNetwork(new Prng(2), { ...perfectNetwork, delayTicksMax: 5 });
    for (let i = 0; i < 50; i++) network.send(app(1n, 2n, i), 0);
    const order = drain(network, 5).map((m) => m.index);
    assert.equal(order.length, 50);
    assert.notDeepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
  });

  it('loses messages across a partition, also those already in flight, until healed', () => {
    const network = new SimNetwork(new Prng(3), perfectNetwork);
    network.send(app(1n, 2n), 0);
    network.partition([[1n], [2n, 3n]]);
    network.send(app(3n, 2n), 0);
    assert.deepEqual(
      network.deliver(1).delivered.map((m) => m.from),
      [3n],
    );
    network.heal();
    network.send(app(1n, 2n), 1);
    assert.equal(network.deliver(2).delivered.length, 1);
  });

  it('cuts one direction of a link only', () => {
    const network = new SimNetwork(new Prng(4), perfectNetwork);
    network.cutLink(1n, 2n);
    assert.equal(network.connected(1n, 2n), false);
    assert.equal(network.connected(2n, 1n), true);
  });

  it('drops and duplicates at the configured rates, and reports lost snapshots', () => {
    const network = new SimNetwork(new Prng(5), {
      dropRate: 0.5,
      duplicateRate: 0.5,
      delayTicksMax: 1,
    });
    for (let i = 0; i < 1000; i++) network.send(app(1n, 2n, i), 0);
    network.send(message({ type: 'MsgSnap', from: 1n, to: 2n }), 0);
    network.partition([[1n], [2n]]);
    const { failedSnapshots } = network.deliver(1);
    assert.equal(failedSnapshots.length, 1);
    assert.ok(network.stats.dropped > 400 && network.stats.duplicated > 200);
  });

  it('replays the same schedule from the same seed', () => {
    const schedule = (): number[] => {
      const network = new SimNetwork(new Prng(6), {
        dropRate: 0.2,
        duplicateRate: 0.1,
        delayTicksMax: 4,
      });
      for (let i = 0; i < 100; i++) network.send(app(1n, 2n, i), 0);
      return drain(network, 4).map((m) => m.index);
    };
    assert.deepEqual(schedule(), schedule());
  });
});
