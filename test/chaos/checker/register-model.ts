import type { Operation } from '../history/operation.js';
import type { Model } from './model.js';

/** A register's value; null is "absent" (never written, or deleted). */
export type RegisterValue = string | number | null;

const functions = new Set(['read', 'write', 'cas', 'delete']);

/**
 * A read/write/compare-and-set register (Herlihy & Wing 1990; Knossos' cas-register), one
 * per key, as etcd's KV serves them:
 *
 * - `read`: output is the value, or null when the key is absent;
 * - `write`: input is the value (a put);
 * - `delete`: the key becomes absent;
 * - `cas`: input is [expected, new]; `ok` means the compare held and it wrote. A compare that
 *   missed is recorded as `fail` (it certainly wrote nothing) and so never reaches the model.
 *
 * An indeterminate (`info`) cas is Porcupine's trick: linearized where the compare holds it
 * writes, elsewhere it is a no-op, and both are consistent with having no output.
 */
export const registerModel: Model<RegisterValue> = {
  name: 'register',
  init: () => null,
  accepts: (op) => functions.has(op.f),
  readOnly: (op) => op.f === 'read',
  step(state, op) {
    switch (op.f) {
      case 'read':
        if (op.type === 'info') return state;
        return registerValue(op.output, op) === state ? state : undefined;
      case 'write':
        return registerValue(op.input, op);
      case 'delete':
        return null;
      case 'cas': {
        const [expected, next] = casArguments(op);
        if (expected === state) return next;
        return op.type === 'info' ? state : undefined;
      }
      default:
        throw new Error(`register model: unexpected f ${op.f}`);
    }
  },
  hash: (state) => JSON.stringify(state),
  describe: (state) => (state === null ? 'absent' : JSON.stringify(state)),
};

function registerValue(value: unknown, op: Operation): RegisterValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`register model: ${op.f} of process ${op.process} has a non-scalar value`);
}

function casArguments(op: Operation): [RegisterValue, RegisterValue] {
  const input = op.input;
  if (!Array.isArray(input) || input.length !== 2) {
    throw new Error(`register model: cas of process ${op.process} needs input [expected, new]`);
  }
  return [registerValue(input[0], op), registerValue(input[1], op)];
}
