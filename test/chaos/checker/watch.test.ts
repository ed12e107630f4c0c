import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryBuilder } from './history-builder.js';
import type { WatchCheckInput, WatchEvent, WatcherLog } from './watch.js';
import { checkWatches, committedChanges } from './watch.js';

// Revisions 2..9 on keys a, b (inside the watched range [a, c)) and z (outside).
const committed: WatchEvent[] = [
  { revision: 2, key: 'a', type: 'put', value: '1' },
  { revision: 3, key: 'z', type: 'put', value: '2' },
  { revision: 4, key: 'b', type: 'put', value: '3' },
  { revision: 5, key: 'a', type: 'put', value: '4' },
  { revision: 5, key: 'b', type: 'put', value: '5' }, // one txn, two keys
  { revision: 6, key: 'a', type: 'delete', value: null },
  { revision: 7, key: 'b', type: 'put', value: '6' },
  { revision: 8, key: 'a', type: 'put', value: '7' },
];
const inRange = committed.filter((e) => e.key < 'c');

function watcher(sessions: WatcherLog['sessions']): WatchCheckInput {
  return { committed, watchers: [{ watcher: 'w1', key: 'a', rangeEnd: 'c', sessions }] };
}

function kinds(input: WatchCheckInput): string[] {
  return checkWatches(input).anomalies.map((a) => a.kind);
}

describe('watch: ordered, gapless, unduplicated, equal to the committed history', () => {
  it('passes a watcher that reconnected twice, resuming after the last revision it received', () => {
    const result = checkWatches(
      watcher([
        { startRevision: 1, events: inRange.slice(0, 2) }, // 2, 4
        { startRevision: 5, events: inRange.slice(2, 5) }, // 5, 5, 6
        { startRevision: 7, events: inRange.slice(5), caughtUpTo: 9 },
      ]),
    );
    assert.deepEqual(result.anomalies, []);
    assert.equal(result.events, inRange.length);
  });

  it('passes a watcher that is behind, even mid-revision, but only up to what it received', () => {
    assert.deepEqual(kinds(watcher([{ startRevision: 4, events: inRange.slice(1, 3) }])), []);
    assert.deepEqual(kinds(watcher([{ startRevision: 4, events: [inRange[1]!, inRange[4]!] }])), [
      'gap',
    ]);
  });

  it('names the writes behind the revisions concerned, for the timeline', () => {
    const h = new HistoryBuilder();
    const write = h.op(0, 'write', 'a', { input: '1', output: { revision: 2 } }, 0, 1);
    const input: WatchCheckInput = {
      ...committedChanges(h.ops()),
      watchers: [
        { watcher: 'w', key: 'a', sessions: [{ startRevision: 1, events: [], caughtUpTo: 3 }] },
      ],
    };
    const [gap] = checkWatches(input).anomalies;
    assert.deepEqual(gap!.ops, [write]);
  });

  it('reports a gap: a resume that skipped a revision', () => {
    const input = watcher([
      { startRevision: 1, events: inRange.slice(0, 2) },
      { startRevision: 6, events: inRange.slice(4) }, // misses revision 5 of a
    ]);
    const [anomaly] = checkWatches(input).anomalies;
    assert.equal(anomaly!.kind, 'gap');
    assert.deepEqual(anomaly!.revisions, [5]);
    assert.match(anomaly!.message, /watcher w1 on \[a, "c"\).*never received.*revision\(s\) 5/);
  });

  it('reports a gap before a revision the watcher was known to have caught up to', () => {
    assert.deepEqual(
      kinds(watcher([{ startRevision: 1, events: inRange.slice(0, 5), caughtUpTo: 8 }])),
      ['gap'],
    );
  });

  it('excuses changes compacted away before a session could resume, and only those', () => {
    const sessions = [
      { startRevision: 1, events: inRange.slice(0, 1) }, // 2
      { startRevision: 3, events: [], compactRevision: 6 }, // refused: 4 and 5 are gone
      { startRevision: 6, events: inRange.slice(4) }, // 6 (delete), 7, 8
    ];
    assert.deepEqual(kinds(watcher(sessions)), []);
    const late = [...sessions];
    late[2] = { startRevision: 6, events: inRange.slice(5) }; // misses 6
    assert.deepEqual(kinds(watcher(late)), ['gap']);
  });

  it('reports a duplicate: an event delivered again after a reconnection', () => {
    const input = watcher([
      { startRevision: 1, events: inRange.slice(0, 3) },
      { startRevision: 5, events: inRange.slice(2) },
    ]);
    assert.deepEqual(kinds(input), ['duplicate']);
  });

  it('reports a reorder', () => {
    const events = [...inRange];
    [events[1], events[2]] = [events[2]!, events[1]!];
    assert.deepEqual(kinds(watcher([{ startRevision: 1, events }])), ['reorder']);
  });

  it('reports a wrong value, a phantom event and an event outside the range', () => {
    const events = [...inRange];
    events[3] = { ...events[3]!, value: 'other' };
    events.push({ revision: 9, key: 'a', type: 'put', value: 'never' });
    events.push({ revision: 3, key: 'z', type: 'put', value: '2' });
    assert.deepEqual(kinds(watcher([{ startRevision: 1, events }])).sort(), [
      'out-of-range',
      'phantom',
      'reorder',
      'wrong-value',
    ]);
  });

  it('accepts an event of an indeterminate write, and watches of one key or all keys', () => {
    const late = { revision: 9, key: 'a', type: 'put' as const, value: 'maybe' };
    const input: WatchCheckInput = {
      committed,
      indeterminate: [{ key: 'a', type: 'put', value: 'maybe' }],
      watchers: [
        {
          watcher: 'one',
          key: 'a',
          sessions: [
            { startRevision: 1, events: [...committed.filter((e) => e.key === 'a'), late] },
          ],
        },
        {
          watcher: 'all',
          key: 'a',
          rangeEnd: '\0',
          sessions: [{ startRevision: 3, events: committed.slice(1) }],
        },
      ],
    };
    assert.deepEqual(checkWatches(input).anomalies, []);
  });

  it('takes the committed changes from the history: ok writes with their revision, info ones as maybe', () => {
    const h = new HistoryBuilder();
    h.op(0, 'write', 'a', { input: '1', output: { revision: 2 } }, 0, 1);
    h.op(0, 'delete', 'a', { output: { revision: 3 } }, 2, 3);
    h.write(1, 'a', '2', 4); // info
    h.read(2, 'a', null, 5, 6);
    const changes = committedChanges(h.ops());
    assert.equal(changes.committed[0]!.op, h.ops()[0]);
    const withoutOps = { ...changes, committed: changes.committed.map(({ op: _op, ...e }) => e) };
    assert.deepEqual(withoutOps, {
      committed: [
        { revision: 2, key: 'a', type: 'put', value: '1' },
        { revision: 3, key: 'a', type: 'delete', value: null },
      ],
      indeterminate: [{ key: 'a', type: 'put', value: '2' }],
    });
  });
});
