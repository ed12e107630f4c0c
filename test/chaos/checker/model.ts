import type { Operation } from '../history/operation.js';

/**
 * A sequential specification, in Porcupine's shape: the object's state, and a step that says
 * whether an operation with this input could have returned this output in that state, and the
 * state after. The linearizability search (wing-gong-lowe.ts) only ever calls these.
 *
 * States must be treated as immutable values: the search keeps old ones on its stack.
 */
export interface Model<State> {
  readonly name: string;
  init(): State;
  /** The next state if `op` is legal in `state`, or undefined if it cannot happen there. For
   *  an `info` op (no output) every outcome is allowed. */
  step(state: State, op: Operation): State | undefined;
  /** A string equal for equal states: the memo cache's key (Lowe 2017, section 4). */
  hash(state: State): string;
  /** For reports: "x = 3". */
  describe(state: State): string;
  /** Whether the model handles this operation; others are left out of the check. */
  accepts(op: Operation): boolean;
  /** True for an operation that never changes the state: an `info` one constrains nothing
   *  (it returned nothing and wrote nothing), so the search leaves it out. */
  readOnly(op: Operation): boolean;
}
