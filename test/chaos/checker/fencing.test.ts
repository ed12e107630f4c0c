import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceWrite } from './fencing.js';
import { checkFencing, holdsFromHistory } from './fencing.js';
import { HistoryBuilder } from './history-builder.js';

const write = (holder: string, token: number, accepted = true): ResourceWrite => ({
  holder,
  token,
  accepted,
});

function kinds(input: Parameters<typeof checkFencing>[0]): string[] {
  return checkFencing(input).anomalies.map((a) => a.kind);
}

describe('fencing: the lock and its tokens', () => {
  it('passes increasing tokens, repeated writes by one holder, and rejected stale ones', () => {
    const log = [write('a', 5), write('a', 5), write('b', 9), write('a', 5, false), write('c', 12)];
    assert.deepEqual(kinds({ resourceLog: log }), []);
  });

  it('reports a stale token accepted', () => {
    const result = checkFencing({ resourceLog: [write('a', 5), write('b', 9), write('a', 5)] });
    assert.deepEqual(
      result.anomalies.map((a) => a.kind),
      ['stale-token-accepted'],
    );
    assert.match(result.anomalies[0]!.message, /accepted a's token 5 after b's token 9/);
  });

  it('reports one token used by two holders', () => {
    assert.deepEqual(kinds({ resourceLog: [write('a', 5), write('b', 5)] }), ['token-reused']);
  });

  it('reports two holders that held the lock at once, and a later holder with a smaller token', () => {
    const h = new HistoryBuilder();
    h.op(0, 'lock', 'L', { output: { token: 10 } }, 0, 5);
    h.op(0, 'unlock', 'L', { input: { token: 10 } }, 50, 55);
    h.op(1, 'lock', 'L', { output: { token: 20 } }, 10, 56); // waited: fine
    h.op(1, 'unlock', 'L', { input: { token: 20 } }, 60, 65);
    const holds = holdsFromHistory(h.ops());
    assert.deepEqual(
      holds.map((x) => [x.holder, x.token, x.acquired, x.released]),
      [
        ['p0', 10, 5n, 50n],
        ['p1', 20, 56n, 60n],
      ],
    );
    assert.deepEqual(kinds({ resourceLog: [], holds }), []);
    h.op(2, 'lock', 'L', { output: { token: 30 } }, 0, 40); // granted while p0 held it
    h.op(3, 'lock', 'L', { output: { token: 15 } }, 0, 70); // after p1, smaller token
    const found = kinds({ resourceLog: [], holds: holdsFromHistory(h.ops()) });
    assert.deepEqual(found.sort(), ['overlapping-holders', 'token-order']);
  });

  it("ends a hold when the lock's lease may have expired, even without an unlock", () => {
    const h = new HistoryBuilder();
    const second = 1_000_000_000;
    h.op(0, 'lock', 'L', { output: { token: 10 } }, 0, 5); // never unlocks: its client hung
    h.op(1, 'lock', 'L', { output: { token: 20 } }, 10, 9 * second); // after the 8 s lease
    h.op(1, 'unlock', 'L', { input: { token: 20 } }, 9 * second + 10, 9 * second + 20);
    const holds = holdsFromHistory(h.ops(), { leaseTtlSeconds: 8, toleranceMs: 500 });
    assert.equal(holds.find((x) => x.holder === 'p0')!.released, BigInt(7.5 * second));
    assert.deepEqual(kinds({ resourceLog: [], holds }), []);
    // Without the lease bound p0 never lets go, and nothing can be said about overlap.
    assert.deepEqual(kinds({ resourceLog: [], holds: holdsFromHistory(h.ops()) }), []);
    // Granted before p0's lease could have run out: two holders.
    h.op(2, 'lock', 'L', { output: { token: 15 } }, 20, 7 * second);
    assert.deepEqual(
      kinds({ resourceLog: [], holds: holdsFromHistory(h.ops(), { leaseTtlSeconds: 8 }) }),
      ['overlapping-holders'],
    );
  });
});
