import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readHistoryFile, writeHistoryFile } from '../history/jsonl.js';
import { HistoryRecorder } from '../history/recorder.js';
import { checkLinearizability } from './linearizability.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-stale-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * "The checkers must be able to fail" (issue 7). The shape of a real register run on a
 * 3-member cluster: writers go to the leader n1; reads are `serializable` (served from the
 * local member's state, no ReadIndex), and n3 is partitioned away, so its state stops at the
 * last write it applied. Times are hrtime-like nanoseconds, clients interleave, one write
 * times out, and the history goes through a JSON lines file before it is checked.
 */
function clusterRun(followerReturnsStale: boolean): string {
  let now = 8_172_334_000_000n;
  const recorder = new HistoryRecorder({ clock: () => (now += 350_000n + (now % 7n) * 10_000n) });
  const put = (process: number, key: string, value: string) => {
    const op = recorder.invoke({ process, f: 'write', key, value, node: 'n1' });
    return () => op.ok({ revision: Number(value) });
  };
  const get = (process: number, key: string, node: string) => {
    const op = recorder.invoke({ process, f: 'read', key, node });
    return (value: string | null) => op.ok(value);
  };
  // Before the partition: everyone agrees.
  put(0, 'r1', '10')();
  get(1, 'r1', 'n3')('10');
  const otherKey = put(2, 'r2', '11');
  get(3, 'r2', 'n2')(null);
  otherKey();
  // The partition isolates n3. A write on the majority commits and is acknowledged...
  const newer = put(0, 'r1', '12');
  const concurrentRead = get(1, 'r1', 'n2');
  newer();
  concurrentRead('12');
  const timedOut = recorder.invoke({ process: 4, f: 'write', key: 'r2', value: '13', node: 'n3' });
  timedOut.info('context deadline exceeded');
  // ... and only then does a client read r1 from n3, serializably.
  get(5, 'r1', 'n3')(followerReturnsStale ? '10' : '12');
  get(6, 'r1', 'n1')('12');
  const path = join(dir, `run-${followerReturnsStale}.jsonl`);
  writeHistoryFile(path, recorder.events());
  return path;
}

describe('linearizability: a stale serializable read from a partitioned follower', () => {
  it('is reported non-linearizable, naming the read, the member and the newer write', () => {
    const result = checkLinearizability(readHistoryFile(clusterRun(true)));
    assert.equal(result.valid, false);
    assert.equal(result.anomalies.length, 1);
    const [anomaly] = result.anomalies;
    assert.equal(anomaly!.key, 'r1');
    assert.equal(anomaly!.stuck.node, 'n3');
    assert.equal(anomaly!.stuck.output, '10');
    assert.equal(anomaly!.state, '"12"');
    assert.ok(anomaly!.window.some((op) => op.f === 'write' && op.input === '12'));
    assert.match(anomaly!.message, /key "r1" is not linearizable/);
  });

  it('passes when the same run reads the new value', () => {
    assert.equal(checkLinearizability(readHistoryFile(clusterRun(false))).valid, true);
  });
});
