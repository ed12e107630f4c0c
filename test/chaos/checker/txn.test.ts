import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../history/event.js';
import { HistoryBuilder } from './history-builder.js';
import { seededRandom } from './random-history.js';
import { checkTxns } from './txn.js';

type Micro = ['r', string, Value] | ['append', string, number];

/** A committed txn (or `info` with no return time) over [invoke, ret]. */
function txn(
  h: HistoryBuilder,
  process: number,
  micro: Micro[],
  invoke: number,
  ret?: number,
  type?: 'fail',
) {
  const input = micro.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);
  return h.op(
    process,
    'txn',
    undefined,
    { input, output: micro, ...(type && { type }) },
    invoke,
    ret,
  );
}

/** Txns that each take effect at one instant inside their interval, in that order, on real
 *  lists: strictly serializable by construction. */
function serialHistory(seed: number, count: number, keys = 5): HistoryBuilder {
  const random = seededRandom(seed);
  const h = new HistoryBuilder();
  const lists = new Map<string, number[]>();
  let element = 0;
  const plans = Array.from({ length: count }, (_, i) => {
    const invoke = i * 3 + Math.floor(random() * 5);
    return { invoke, ret: invoke + 2 + Math.floor(random() * 20), at: 0 };
  });
  for (const p of plans) p.at = p.invoke + 1 + random() * (p.ret - p.invoke - 2);
  plans.sort((a, b) => a.at - b.at);
  for (const [process, p] of plans.entries()) {
    const micro: Micro[] = [];
    for (let n = 0; n < 3; n++) {
      const key = `k${Math.floor(random() * keys)}`;
      if (random() < 0.5) micro.push(['r', key, [...(lists.get(key) ?? [])]]);
      else {
        micro.push(['append', key, ++element]);
        lists.set(key, [...(lists.get(key) ?? []), element]);
      }
    }
    txn(h, process, micro, p.invoke, p.ret);
  }
  return h;
}

function kinds(h: HistoryBuilder): string[] {
  return checkTxns(h.ops())
    .anomalies.map((a) => a.kind)
    .sort();
}

describe('txn: strict serializability of list-append transactions', () => {
  it('passes a serializable history with concurrency, reads of own writes and an indeterminate txn', () => {
    const h = new HistoryBuilder();
    txn(
      h,
      0,
      [
        ['r', 'x', null],
        ['append', 'x', 1],
        ['append', 'y', 1],
      ],
      0,
      10,
    );
    txn(
      h,
      1,
      [
        ['append', 'x', 2],
        ['r', 'x', [1, 2]],
      ],
      5,
      15,
    );
    txn(
      h,
      2,
      [
        ['r', 'y', [1]],
        ['append', 'y', 2],
      ],
      12,
      20,
    );
    txn(h, 3, [['append', 'z', 1]], 21); // info, never read: left out
    txn(h, 4, [['append', 'x', 3]], 21); // info, read below: committed
    txn(
      h,
      5,
      [
        ['r', 'x', [1, 2, 3]],
        ['r', 'y', [1, 2]],
      ],
      30,
      40,
    );
    const result = checkTxns(h.ops());
    assert.deepEqual(result.anomalies, []);
    assert.equal(result.valid, true);
    assert.equal(result.committed, 5);
  });

  it('passes generated serial histories with random real-time overlap', () => {
    const result = checkTxns(serialHistory(3, 300).ops());
    assert.deepEqual(
      result.anomalies.map((a) => a.message),
      [],
    );
  });

  it('checks 3000 txns over 20 keys in a couple of seconds, and finds one planted stale read', () => {
    const h = serialHistory(11, 3000, 20);
    const started = performance.now();
    const result = checkTxns(h.ops());
    const elapsed = performance.now() - started;
    assert.deepEqual(result.anomalies, []);
    assert.equal(result.committed, 3000);
    assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
    // A late txn that reads k0 as empty, long after appends to it committed.
    txn(h, 9999, [['r', 'k0', []]], 10 ** 6, 10 ** 6 + 1);
    assert.deepEqual(
      checkTxns(h.ops()).anomalies.map((a) => a.kind),
      ['G-single-realtime'],
    );
  });

  it('reports G0 (write cycle): two txns whose appends land in opposite orders on two keys', () => {
    const h = new HistoryBuilder();
    txn(
      h,
      0,
      [
        ['append', 'x', 1],
        ['append', 'y', 1],
      ],
      0,
      10,
    );
    txn(
      h,
      1,
      [
        ['append', 'x', 2],
        ['append', 'y', 2],
      ],
      0,
      10,
    );
    txn(
      h,
      2,
      [
        ['r', 'x', [1, 2]],
        ['r', 'y', [2, 1]],
      ],
      20,
      30,
    );
    const result = checkTxns(h.ops());
    assert.deepEqual(kinds(h), ['G0']);
    assert.match(
      result.anomalies[0]!.message,
      /T0 -ww\((x|y)\)-> T1 -ww\((x|y)\)-> T0|T1 -ww.*-> T0 -ww.*-> T1/,
    );
  });

  it('reports G1c (circular information flow): each txn read the other one', () => {
    const h = new HistoryBuilder();
    txn(
      h,
      0,
      [
        ['append', 'x', 1],
        ['r', 'y', [1]],
      ],
      0,
      10,
    );
    txn(
      h,
      1,
      [
        ['append', 'y', 1],
        ['r', 'x', [1]],
      ],
      0,
      10,
    );
    assert.deepEqual(kinds(h), ['G1c']);
  });

  it('reports G2 (write skew): each txn missed the other one write', () => {
    const h = new HistoryBuilder();
    txn(
      h,
      0,
      [
        ['r', 'x', []],
        ['r', 'y', []],
        ['append', 'x', 1],
      ],
      0,
      10,
    );
    txn(
      h,
      1,
      [
        ['r', 'x', []],
        ['r', 'y', []],
        ['append', 'y', 1],
      ],
      0,
      10,
    );
    txn(
      h,
      2,
      [
        ['r', 'x', [1]],
        ['r', 'y', [1]],
      ],
      20,
      30,
    );
    assert.deepEqual(kinds(h), ['G2']);
  });

  it('reports a lost update: two txns read the same version of a key and both appended', () => {
    const h = new HistoryBuilder();
    const a = txn(
      h,
      0,
      [
        ['r', 'x', [7]],
        ['append', 'x', 1],
      ],
      0,
      10,
    );
    const b = txn(
      h,
      1,
      [
        ['r', 'x', [7]],
        ['append', 'x', 2],
      ],
      0,
      10,
    );
    txn(h, 2, [['append', 'x', 7]], -10, -5);
    txn(h, 3, [['r', 'x', [7, 1, 2]]], 20, 30);
    const result = checkTxns(h.ops());
    const lost = result.anomalies.find((x) => x.kind === 'lost-update');
    assert.ok(lost, JSON.stringify(kinds(h)));
    assert.deepEqual(lost.ops, [a, b]);
    assert.ok(kinds(h).includes('G-single'), 'the same anomaly as a cycle');
  });

  it('reports a real-time violation: a txn that began after another committed but missed it', () => {
    const h = new HistoryBuilder();
    txn(h, 0, [['append', 'x', 1]], 0, 10);
    txn(h, 1, [['r', 'x', []]], 20, 30); // serializable (before T0), not strictly
    txn(h, 2, [['r', 'x', [1]]], 40, 50);
    assert.deepEqual(kinds(h), ['G-single-realtime']);
  });

  it('reports a read from the future, beside a data cycle in the same component', () => {
    const h = new HistoryBuilder();
    txn(
      h,
      0,
      [
        ['r', 'x', [7]],
        ['append', 'x', 1],
      ],
      0,
      10,
    );
    txn(
      h,
      1,
      [
        ['r', 'x', [7]],
        ['append', 'x', 2],
      ],
      0,
      10,
    );
    txn(h, 2, [['append', 'x', 7]], 20, 30); // invoked after both read its element
    txn(h, 3, [['r', 'x', [7, 1, 2]]], 40, 50);
    const found = kinds(h);
    for (const kind of ['lost-update', 'G-single', 'G1c-realtime']) {
      assert.ok(found.includes(kind), `${kind} in ${found}`);
    }
  });

  it('reports the first 20 stale reads in full and counts the rest', () => {
    const h = new HistoryBuilder();
    txn(h, 0, [['append', 'x', 1]], 0, 10);
    for (let p = 1; p <= 25; p++) txn(h, p, [['r', 'x', []]], 10 + p * 10, 15 + p * 10);
    txn(h, 99, [['r', 'x', [1]]], 1000, 1010);
    const anomalies = checkTxns(h.ops()).anomalies;
    assert.equal(anomalies.length, 21);
    assert.ok(anomalies.every((a) => a.kind === 'G-single-realtime'));
    assert.match(anomalies[20]!.message, /and 5 more data edges backward in time/);
  });

  it('reports a committed append that later reads lost (an overwrite, not an append)', () => {
    const h = new HistoryBuilder();
    txn(h, 0, [['append', 'x', 1]], 0, 10);
    txn(h, 1, [['r', 'x', [2]]], 40, 50);
    txn(h, 2, [['append', 'x', 2]], 0, 10);
    assert.deepEqual(kinds(h), ['G-single-realtime']);
  });

  it('reports aborted, intermediate and garbage reads, and incompatible orders', () => {
    const h = new HistoryBuilder();
    txn(h, 0, [['append', 'a', 1]], 0, 10, 'fail');
    txn(h, 1, [['r', 'a', [1]]], 20, 30);
    txn(
      h,
      2,
      [
        ['append', 'b', 1],
        ['append', 'b', 2],
      ],
      0,
      10,
    );
    txn(h, 3, [['r', 'b', [1]]], 0, 30);
    txn(h, 4, [['r', 'c', [99]]], 0, 30);
    txn(h, 5, [['append', 'd', 1]], 0, 10);
    txn(h, 6, [['append', 'd', 2]], 0, 10);
    txn(h, 7, [['r', 'd', [1, 2]]], 20, 30);
    txn(h, 8, [['r', 'd', [2, 1]]], 20, 30);
    const found = kinds(h);
    for (const kind of ['G1a', 'G1b', 'garbage-read', 'incompatible-order'])
      assert.ok(found.includes(kind), `${kind} in ${found}`);
  });
});
