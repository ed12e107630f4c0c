import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryRecorder } from '../history/recorder.js';
import { HistoryBuilder } from './history-builder.js';
import { checkLinearizability } from './linearizability.js';
import { randomRegisterHistory } from './random-history.js';

// Times are abstract units; an operation is [invoke, return]. Operations whose intervals
// overlap are concurrent and may take effect in either order.

describe('linearizability: register histories that are linearizable', () => {
  it('accepts a sequential history, absent reads included', () => {
    const h = new HistoryBuilder();
    h.read(0, 'x', null, 0, 1);
    h.write(0, 'x', 'a', 2, 3);
    h.read(1, 'x', 'a', 4, 5);
    h.op(1, 'delete', 'x', {}, 6, 7);
    h.read(0, 'x', null, 8, 9);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('lets a read concurrent with a write see either value', () => {
    for (const seen of ['a', 'b']) {
      const h = new HistoryBuilder();
      h.write(0, 'x', 'a', 0, 10);
      h.write(1, 'x', 'b', 20, 40);
      h.read(2, 'x', seen, 25, 30);
      assert.equal(checkLinearizability(h.ops()).valid, true, `read ${seen}`);
    }
  });

  it('orders concurrent writes by what later reads saw', () => {
    // Both writes overlap; the reads after them pin b-then-a.
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 10);
    h.write(1, 'x', 'b', 2, 12);
    h.read(2, 'x', 'a', 15, 16);
    h.read(3, 'x', 'a', 17, 18);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('accepts a chain of concurrent compare-and-sets that each found its expected value', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 0, 0, 1);
    h.cas(1, 'x', 1, 2, 2, 20); // must go after the next one
    h.cas(2, 'x', 0, 1, 3, 21);
    h.read(3, 'x', 2, 22, 23);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('lets an indeterminate write take effect late, long after its client gave up', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 1);
    h.write(1, 'x', 'b', 2); // info: no return
    h.read(2, 'x', 'a', 10, 11);
    h.read(2, 'x', 'b', 100, 101);
    h.read(3, 'x', 'b', 200, 201);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('lets an indeterminate write or cas never take effect', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 1);
    h.write(1, 'x', 'b', 2);
    h.cas(2, 'x', 'a', 'c', 3);
    h.read(3, 'x', 'a', 10, 11);
    h.read(3, 'x', 'a', 100, 101);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('lets an indeterminate cas take effect where its compare holds', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 1);
    h.cas(1, 'x', 'a', 'b', 2);
    h.read(2, 'x', 'b', 50, 51);
    assert.equal(checkLinearizability(h.ops()).valid, true);
  });

  it('accepts generated linearizable histories, with indeterminate operations', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ops = randomRegisterHistory({
        seed,
        keys: 3,
        opsPerKey: 60,
        processesPerKey: 5,
        infoRate: 0.1,
      });
      const result = checkLinearizability(ops);
      assert.equal(result.valid, true, `seed ${seed}: ${result.anomalies[0]?.message}`);
    }
  });

  it('checks recorder events directly', () => {
    let now = 0n;
    const recorder = new HistoryRecorder({ clock: () => (now += 10n) });
    const write = recorder.invoke({ process: 0, f: 'write', key: 'x', value: '1' });
    const read = recorder.invoke({ process: 1, f: 'read', key: 'x' });
    write.ok();
    read.ok('1');
    recorder.invoke({ process: 2, f: 'read', key: 'x' }).ok('1');
    assert.equal(checkLinearizability(recorder.events()).valid, true);
    recorder.invoke({ process: 3, f: 'read', key: 'x' }).ok(null);
    assert.equal(checkLinearizability(recorder.events()).valid, false);
  });
});

describe('linearizability: register histories that are not', () => {
  it('reports a stale read: an old value read after a newer write completed', () => {
    const h = new HistoryBuilder();
    const first = h.write(0, 'x', 'a', 0, 10);
    const second = h.write(1, 'x', 'b', 20, 30);
    const stale = h.read(2, 'x', 'a', 40, 50);
    const result = checkLinearizability(h.ops());
    assert.equal(result.valid, false);
    const [anomaly] = result.anomalies;
    assert.equal(anomaly!.key, 'x');
    assert.equal(anomaly!.stuck, stale);
    assert.deepEqual(anomaly!.prefix, [first, second]);
    assert.equal(anomaly!.state, '"b"');
    assert.ok(anomaly!.window.includes(stale) && anomaly!.window.includes(second));
    assert.ok(!anomaly!.window.includes(first), 'the window holds only what explains it');
  });

  it('reports a value that was never written, and a read of absent after a write', () => {
    const never = new HistoryBuilder();
    never.write(0, 'x', 'a', 0, 10);
    never.read(1, 'x', 'z', 20, 30);
    assert.equal(checkLinearizability(never.ops()).valid, false);
    const absent = new HistoryBuilder();
    absent.write(0, 'x', 'a', 0, 10);
    absent.read(1, 'x', null, 20, 30);
    assert.equal(checkLinearizability(absent.ops()).valid, false);
  });

  it('reports a read from the future: a value whose write was invoked after the read returned', () => {
    const h = new HistoryBuilder();
    h.read(0, 'x', 'a', 0, 10);
    h.write(1, 'x', 'a', 11); // even indeterminate, it cannot take effect before its invoke
    assert.equal(checkLinearizability(h.ops()).valid, false);
  });

  it('reports two concurrent compare-and-sets that both succeeded from the same value', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 0, 0, 1);
    h.cas(1, 'x', 0, 1, 2, 20);
    h.cas(2, 'x', 0, 2, 3, 21);
    const result = checkLinearizability(h.ops());
    assert.equal(result.valid, false);
    assert.match(result.anomalies[0]!.message, /cas/);
  });

  it('reports reads that go back in time (a value, then an older one, with no write between)', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 10);
    h.write(1, 'x', 'b', 5); // indeterminate: may land anywhere after 5, but only once
    h.read(2, 'x', 'b', 20, 30);
    h.read(2, 'x', 'a', 40, 50);
    assert.equal(checkLinearizability(h.ops()).valid, false);
  });

  it('drops failed operations: a value from a failed write is never explained', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 10);
    h.op(1, 'write', 'x', { input: 'b', type: 'fail' }, 20, 30);
    h.read(2, 'x', 'b', 40, 50);
    assert.equal(checkLinearizability(h.ops()).valid, false);
  });

  it('partitions by key and names only the key that broke', () => {
    const h = new HistoryBuilder();
    h.write(0, 'x', 'a', 0, 10);
    h.read(1, 'x', 'a', 20, 30);
    h.write(2, 'y', 'a', 0, 10);
    h.write(3, 'y', 'b', 12, 15);
    h.read(4, 'y', 'a', 20, 30);
    const result = checkLinearizability(h.ops());
    assert.equal(result.keys, 2);
    assert.deepEqual(
      result.anomalies.map((a) => a.key),
      ['y'],
    );
  });

  it('reports a planted stale read in a large generated history', () => {
    const ops = randomRegisterHistory({ seed: 7, keys: 20, opsPerKey: 100, processesPerKey: 5 });
    const firstWrite = ops.find((op) => op.key === 'k3' && op.f === 'write')!;
    const end = ops.reduce((max, op) => (op.returnTime! > max ? op.returnTime! : max), 0n);
    // After everything returned, a read of k3's first value, overwritten long ago: stale.
    const planted = {
      process: 999,
      f: 'read',
      key: 'k3',
      output: firstWrite.input!,
      type: 'ok' as const,
      invokeTime: end + 1n,
      returnTime: end + 2n,
      invokeIndex: ops.length,
    };
    const result = checkLinearizability([...ops, planted]);
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.anomalies.map((a) => a.key),
      ['k3'],
    );
  });
});

describe('linearizability: budget and speed', () => {
  it("says 'unknown', not true, when the search runs out of budget", () => {
    // Many concurrent writes and a read of none of them: the search must try every order.
    const h = new HistoryBuilder();
    for (let p = 0; p < 12; p++) h.write(p, 'x', p, 0, 100);
    h.read(99, 'x', 'nobody', 200, 300);
    const result = checkLinearizability(h.ops(), { stepsPerKeyMax: 5000 });
    assert.equal(result.valid, 'unknown');
    assert.deepEqual(result.unknownKeys, ['x']);
  });

  it('checks 10 000 operations over 100 keys in a few seconds', () => {
    const ops = randomRegisterHistory({
      seed: 42,
      keys: 100,
      opsPerKey: 100,
      processesPerKey: 8,
      infoRate: 0.02,
    });
    const started = performance.now();
    const result = checkLinearizability(ops, { timeBudgetMs: 20_000 });
    const elapsed = performance.now() - started;
    assert.equal(result.valid, true, result.anomalies[0]?.message);
    assert.ok(result.operations > 9000, `checked ${result.operations}`);
    assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  });
});
