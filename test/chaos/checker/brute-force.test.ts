import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Operation } from '../history/operation.js';
import { HistoryBuilder } from './history-builder.js';
import { checkLinearizability } from './linearizability.js';
import { seededRandom } from './random-history.js';
import type { RegisterValue } from './register-model.js';
import { registerModel } from './register-model.js';

/**
 * Linearizability by definition (Herlihy & Wing 1990): some order of the operations, each
 * after every operation that returned before it was invoked, is legal for the register. An
 * indeterminate operation may also never happen. Exponential, so only for tiny histories,
 * against which the search (with its memo, its rule for indeterminate operations and its
 * final reads) is compared.
 */
function linearizableByDefinition(ops: readonly Operation[]): boolean {
  const live = ops.filter((op) => op.type !== 'fail' && !(op.type === 'info' && op.f === 'read'));
  const search = (remaining: readonly Operation[], state: RegisterValue): boolean => {
    if (remaining.every((op) => op.type === 'info')) return true;
    return remaining.some((op, i) => {
      const rest = remaining.filter((_, j) => j !== i);
      const mustPrecede = rest.some(
        (p) => p.returnTime !== undefined && p.returnTime < op.invokeTime,
      );
      if (mustPrecede) return false;
      if (op.type === 'info' && search(rest, state)) return true; // it never happened
      const next = registerModel.step(state, op);
      return next !== undefined && search(rest, next);
    });
  };
  return search(live, null);
}

function randomSmallHistory(random: () => number, size: number): Operation[] {
  const h = new HistoryBuilder();
  const values = [null, 'a', 'b'];
  const pick = () => values[Math.floor(random() * values.length)]!;
  for (let i = 0; i < size; i++) {
    const invoke = Math.floor(random() * 20);
    const ret = random() < 0.15 ? undefined : invoke + 1 + Math.floor(random() * 16);
    const roll = random();
    if (roll < 0.45) h.read(i, 'x', pick(), invoke, ret ?? invoke + 1);
    else if (roll < 0.8) h.write(i, 'x', pick() ?? 'a', invoke, ret);
    else h.cas(i, 'x', pick(), pick() ?? 'b', invoke, ret);
  }
  return h.ops();
}

describe('linearizability: the search agrees with the definition', () => {
  it('on 3000 random small histories, about half of them not linearizable', () => {
    const random = seededRandom(2024);
    let invalid = 0;
    for (let n = 0; n < 3000; n++) {
      const ops = randomSmallHistory(random, 3 + Math.floor(random() * 5));
      const expected = linearizableByDefinition(ops);
      const result = checkLinearizability(ops);
      assert.equal(
        result.valid,
        expected,
        `history ${n}: ${JSON.stringify(ops, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`,
      );
      if (!expected) invalid++;
    }
    assert.ok(
      invalid > 600 && invalid < 2400,
      `${invalid} of 3000 not linearizable: the sample tests both sides`,
    );
  });
});
