import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  formatEvent,
  openHistoryLog,
  parseEvent,
  parseHistory,
  readHistoryFile,
  writeHistoryFile,
} from './jsonl.js';
import { pairOperations } from './operation.js';
import { HistoryRecorder } from './recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function stepClock(step = 5n): () => bigint {
  let now = 1_000n;
  return () => (now += step);
}

describe('history: recorder', () => {
  it('stamps index and a non-decreasing time, and pairs operations back up', () => {
    const recorder = new HistoryRecorder({ clock: stepClock() });
    const a = recorder.invoke({ process: 0, f: 'write', key: 'x', value: '1', node: 'n1' });
    const b = recorder.invoke({ process: 1, f: 'read', key: 'x' });
    b.ok('1');
    a.info('deadline exceeded');
    recorder.invoke({ process: 2, f: 'cas', key: 'x', value: ['1', '2'] }).fail('compare missed');
    const events = recorder.events();
    assert.deepEqual(
      events.map((e) => [e.index, e.process, e.type]),
      [
        [0, 0, 'invoke'],
        [1, 1, 'invoke'],
        [2, 1, 'ok'],
        [3, 0, 'info'],
        [4, 2, 'invoke'],
        [5, 2, 'fail'],
      ],
    );
    assert.ok(events.every((e, i) => i === 0 || e.time >= events[i - 1]!.time));
    const ops = pairOperations(events);
    assert.deepEqual(
      ops.map((op) => [op.process, op.f, op.type, op.output, op.returnTime !== undefined]),
      [
        [0, 'write', 'info', undefined, false],
        [1, 'read', 'ok', '1', true],
        [2, 'cas', 'fail', undefined, true],
      ],
    );
    assert.equal(ops[0]!.node, 'n1');
    assert.equal(ops[0]!.error, 'deadline exceeded');
  });

  it('refuses a second operation on an open process and a second completion', () => {
    const recorder = new HistoryRecorder({ clock: stepClock() });
    const op = recorder.invoke({ process: 0, f: 'read', key: 'x' });
    assert.throws(
      () => recorder.invoke({ process: 0, f: 'read', key: 'x' }),
      /previous operation is open/,
    );
    op.ok(null);
    assert.throws(() => op.ok(null), /completed twice/);
  });

  it('clamps a clock that goes back, so time order is index order', () => {
    const times = [10n, 5n, 20n];
    const recorder = new HistoryRecorder({ clock: () => times.shift()! });
    recorder.invoke({ process: 0, f: 'read', key: 'x' }).ok(null);
    recorder.invoke({ process: 0, f: 'read', key: 'x' });
    assert.deepEqual(
      recorder.events().map((e) => e.time),
      [10n, 10n, 20n],
    );
  });

  it('treats an invoke that never completed as indeterminate', () => {
    const recorder = new HistoryRecorder({ clock: stepClock() });
    recorder.invoke({ process: 4, f: 'write', key: 'y', value: 'v' });
    const [op] = pairOperations(recorder.events());
    assert.equal(op!.type, 'info');
    assert.equal(op!.returnTime, undefined);
  });

  it('refuses a completion without an invoke', () => {
    assert.throws(
      () => pairOperations([{ process: 1, type: 'ok', f: 'read', time: 1n, index: 0 }]),
      /without an invoke/,
    );
  });
});

describe('history: JSON lines', () => {
  it('round-trips events through a file, nanosecond times beyond 2^53 intact', () => {
    const recorder = new HistoryRecorder({ clock: stepClock(2n ** 60n) });
    recorder.invoke({ process: 0, f: 'txn', value: [['append', 'x', 1]] }).ok([['append', 'x', 1]]);
    recorder.invoke({ process: 1, f: 'read', key: 'x' }).info('timeout');
    const path = join(dir, 'round-trip.jsonl');
    writeHistoryFile(path, recorder.events());
    assert.deepEqual(readHistoryFile(path), recorder.events());
    assert.match(
      readFileSync(path, 'utf8').split('\n')[0]!,
      /^\{"index":0,"time":"\d+","process":0,"type":"invoke","f":"txn"/,
    );
  });

  it('streams events to a log as they are recorded', () => {
    const path = join(dir, 'streamed.jsonl');
    const log = openHistoryLog(path);
    const recorder = new HistoryRecorder({ clock: stepClock(), sink: log.append });
    recorder.invoke({ process: 0, f: 'write', key: 'x', value: 'a' }).ok();
    assert.equal(readHistoryFile(path).length, 2, 'written before close');
    log.close();
    assert.throws(() => log.append(recorder.events()[0]!), /closed/);
  });

  it('reads numeric times and skips blank lines, as other tools write them', () => {
    const events = parseHistory(
      '{"index":0,"time":12,"process":0,"type":"invoke","f":"read","key":"x"}\n\n',
    );
    assert.equal(events[0]!.time, 12n);
  });

  it('names the bad field of a malformed line', () => {
    assert.throws(
      () => parseEvent('{"index":0,"time":"1","process":0,"type":"done","f":"read"}'),
      /"type"/,
    );
    assert.throws(
      () => parseEvent('{"index":0,"time":"-1","process":0,"type":"ok","f":"read"}'),
      /"time"/,
    );
    assert.throws(() => parseEvent('[1]'), /not a JSON object/);
    const event = { process: 0, type: 'ok' as const, f: 'read', time: 3n, index: 1, error: 'x' };
    assert.deepEqual(parseEvent(formatEvent(event)), event);
  });
});
