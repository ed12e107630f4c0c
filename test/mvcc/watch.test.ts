// The watch hub: live delivery, txn atomicity, catch-up from the past in bounded batches,
// slow consumers (bounded buffer, then catch-up), compacted starts, filters, prevKv, progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WatchRequest, WatchResponse } from '../../src/mvcc/watch-hub.js';
import { Harness, kvText, s, t } from './helpers.js';

class Sink {
  readonly responses: WatchResponse[] = [];
  accept = true;
  readonly fn = (response: WatchResponse): boolean => {
    if (!this.accept) return false;
    this.responses.push(response);
    return true;
  };

  /** Events as "TYPE key@mod", per response. */
  batches(): string[][] {
    return this.responses.map((r) =>
      r.events.map((e) => `${e.type} ${t(e.kv.key)}@${e.kv.modRevision}`),
    );
  }

  events(): string[] {
    return this.batches().flat();
  }
}

function watch(
  h: Harness,
  sink: Sink,
  req: Omit<WatchRequest, 'sink' | 'key' | 'rangeEnd'> & { key: string; rangeEnd?: string },
) {
  const { key, rangeEnd, ...rest } = req;
  return h.sm.watches.watch({
    key: s(key),
    ...(rangeEnd === undefined ? {} : { rangeEnd: s(rangeEnd) }),
    ...rest,
    sink: sink.fn,
  });
}

const all = { key: '\0', rangeEnd: '\0' };

describe('watch', () => {
  it('delivers matching events as they commit', () => {
    const h = new Harness();
    const sink = new Sink();
    watch(h, sink, { key: 'a' });
    h.put('a', '1');
    h.put('b', '1');
    h.del('a');
    assert.deepEqual(sink.batches(), [['PUT a@2'], ['DELETE a@4']]);
    assert.deepEqual(
      sink.responses.map((r) => r.revision),
      [2, 4],
    );
  });

  it("delivers a txn's events together, in order", () => {
    const h = new Harness();
    h.put('c', '0');
    const sink = new Sink();
    watch(h, sink, all);
    h.txn({
      compare: [],
      success: [
        { requestPut: { key: s('b'), value: s('1') } },
        { requestDeleteRange: { key: s('c') } },
        { requestPut: { key: s('a'), value: s('1') } },
      ],
      failure: [],
    });
    assert.deepEqual(sink.batches(), [['PUT b@3', 'DELETE c@3', 'PUT a@3']]);
  });

  it('catches up from a past revision in bounded batches, never splitting a revision', () => {
    const h = new Harness();
    h.put('a', '1'); // 2
    h.txn({
      compare: [],
      success: ['x', 'y', 'z'].map((k) => ({ requestPut: { key: s(k), value: s('1') } })),
      failure: [],
    }); // 3
    h.put('b', '1'); // 4
    h.del('a'); // 5
    const sink = new Sink();
    const id = watch(h, sink, { ...all, startRevision: 2 });
    assert.equal(h.sm.watches.progress(id), 1);
    assert.deepEqual(sink.responses, []);
    let rounds = 0;
    while (h.sm.syncWatchers(2) > 0) rounds++;
    assert.ok(rounds >= 1);
    assert.deepEqual(sink.events(), [
      'PUT a@2',
      'PUT x@3',
      'PUT y@3',
      'PUT z@3',
      'PUT b@4',
      'DELETE a@5',
    ]);
    for (const batch of sink.batches()) {
      const revs = new Set(batch.map((e) => e.split('@')[1]));
      assert.ok(!batch.includes('PUT x@3') || batch.includes('PUT z@3'), `txn split: ${batch}`);
      assert.ok(revs.size >= 1);
    }
    assert.equal(h.sm.watches.progress(id), 5);
    h.put('a', '2'); // live now
    assert.deepEqual(sink.events().at(-1), 'PUT a@6');
  });

  it('filters puts or deletes, and adds prevKv live and in catch-up', () => {
    const h = new Harness();
    h.put('k', 'v1'); // 2
    const noPut = new Sink();
    const noDelete = new Sink();
    const prev = new Sink();
    const past = new Sink();
    watch(h, noPut, { key: 'k', noPut: true });
    watch(h, noDelete, { key: 'k', noDelete: true });
    watch(h, prev, { key: 'k', prevKv: true });
    h.put('k', 'v2'); // 3
    h.del('k'); // 4
    watch(h, past, { key: 'k', prevKv: true, startRevision: 2 });
    while (h.sm.syncWatchers(10) > 0);
    assert.deepEqual(noPut.events(), ['DELETE k@4']);
    assert.deepEqual(noDelete.events(), ['PUT k@3']);
    const prevs = (sink: Sink) =>
      sink.responses.flatMap((r) => r.events.map((e) => kvText(e.prevKv)));
    assert.deepEqual(prevs(prev), ['k=v1@2/2/1', 'k=v2@2/3/2']);
    assert.deepEqual(prevs(past), ['<none>', 'k=v1@2/2/1', 'k=v2@2/3/2']);
  });

  it('buffers for a slow sink, then delivers in order once it drains', () => {
    const h = new Harness(undefined, { watcherPendingEventsMax: 10 });
    const sink = new Sink();
    const id = watch(h, sink, all);
    h.put('a', '1'); // 2
    sink.accept = false;
    h.put('b', '1'); // 3
    h.put('c', '1'); // 4
    assert.equal(h.sm.watches.progress(id), 2);
    assert.equal(h.sm.syncWatchers(10), 1);
    sink.accept = true;
    assert.equal(h.sm.syncWatchers(10), 0);
    h.put('d', '1'); // 5
    assert.deepEqual(sink.events(), ['PUT a@2', 'PUT b@3', 'PUT c@4', 'PUT d@5']);
  });

  it('past its buffer bound, falls back to catch-up from the backend with no gap', () => {
    const h = new Harness(undefined, { watcherPendingEventsMax: 3 });
    const sink = new Sink();
    const id = watch(h, sink, all);
    sink.accept = false;
    for (let i = 0; i < 20; i++) h.put(`k${i}`, 'v');
    assert.equal(h.sm.watches.progress(id), 1);
    sink.accept = true;
    while (h.sm.syncWatchers(4) > 0);
    h.put('last', 'v');
    const mods = sink.events().map((e) => Number(e.split('@')[1]));
    assert.deepEqual(
      mods,
      Array.from({ length: 21 }, (_, i) => i + 2),
    );
  });

  it('cancels a watcher whose start revision is compacted, with the compact revision', () => {
    const h = new Harness();
    for (let i = 0; i < 5; i++) h.put('k', `${i}`); // 2..6
    h.compact(5);
    const old = new Sink();
    const atCompact = new Sink();
    watch(h, old, { key: 'k', startRevision: 3 });
    watch(h, atCompact, { key: 'k', startRevision: 5 });
    while (h.sm.syncWatchers(10) > 0);
    assert.equal(old.responses.length, 1);
    assert.equal(old.responses[0]!.compactRevision, 5);
    assert.deepEqual(old.responses[0]!.events, []);
    assert.deepEqual(atCompact.events(), ['PUT k@5', 'PUT k@6']);
    assert.equal(h.sm.watches.size, 1);
  });

  it('starts a future watcher at its revision, and stops a canceled one', () => {
    const h = new Harness();
    const future = new Sink();
    const canceled = new Sink();
    watch(h, future, { key: 'k', startRevision: 4 });
    const id = watch(h, canceled, { key: 'k' });
    h.put('k', '1'); // 2
    assert.equal(h.sm.watches.cancel(id), true);
    h.put('k', '2'); // 3
    h.put('k', '3'); // 4
    assert.deepEqual(future.events(), ['PUT k@4']);
    assert.deepEqual(canceled.events(), ['PUT k@2']);
    assert.equal(h.sm.watches.progress(id), undefined);
  });
});
