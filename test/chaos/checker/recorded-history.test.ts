import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readHistoryFile } from '../history/jsonl.js';
import { checkLinearizability } from './linearizability.js';

/**
 * A history recorded by a real run (`npm run chaos -- --workload register-serializable
 * --nemesis partition --time 25 --seed 7`: 3 members behind the fault proxy, serializable
 * reads from any member while partitions isolate the leader, split majority from minority and
 * bridge). Kept: the six keys of the second key generation, 103 operations, 4 of them
 * indeterminate. Three keys had a stale read served by a cut-off member; three did not.
 */
const history = readHistoryFile(
  new URL('testdata/serializable-reads-seed7.jsonl', import.meta.url).pathname,
);

describe('linearizability: a recorded run with serializable reads under partitions', () => {
  const result = checkLinearizability(history);

  it('reports exactly the keys with a stale read', () => {
    assert.equal(result.valid, false);
    assert.equal(result.keys, 6);
    assert.deepEqual(result.anomalies.map((a) => a.key).sort(), ['reg/1-2', 'reg/1-4', 'reg/1-5']);
  });

  it('blames a read each time, one that returned an older value than a completed write', () => {
    for (const anomaly of result.anomalies) {
      assert.equal(anomaly.stuck.f, 'read', anomaly.message);
      assert.equal(anomaly.stuck.type, 'ok');
      const overwritten = anomaly.window.find(
        (op) => op.f !== 'read' && op.returnTime! < anomaly.stuck.invokeTime,
      );
      assert.ok(overwritten, `no completed change before the stale read in ${anomaly.message}`);
    }
  });
});
