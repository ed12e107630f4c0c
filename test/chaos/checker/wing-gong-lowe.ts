import type { Operation } from '../history/operation.js';
import { Configurations } from './configurations.js';
import type { Entry } from './entries.js';
import { lift, makeEntries, unlift } from './entries.js';
import type { Model } from './model.js';

/** How much search one partition may spend before the verdict is 'unknown'. */
export interface SearchBudget {
  /** performance.now() after which the search gives up. */
  readonly deadlineMs: number;
  /** Steps (tries to linearize an entry, or backtracks) after which it gives up. */
  readonly stepsMax: number;
}

/** The furthest the search got: what a person needs to see why it failed. */
export interface Deepest<State> {
  /** The longest linearization found, as operation ids in linearization order. */
  readonly order: readonly number[];
  /** The model's state after `order`. */
  readonly state: State;
  /** The operation whose return came while it was still unlinearized, with no pending
   *  operation able to go next: the point where every linearization breaks. */
  readonly stuck: number;
  /** The unlinearized operations invoked before `stuck` returned: every one was tried. */
  readonly candidates: readonly number[];
}

export type SearchOutcome<State> =
  | { readonly kind: 'linearizable'; readonly order: readonly number[]; readonly steps: number }
  | { readonly kind: 'nonlinearizable'; readonly deepest: Deepest<State>; readonly steps: number }
  | { readonly kind: 'unknown'; readonly steps: number };

const budgetCheckSteps = 4096;

/**
 * Wing & Gong's depth-first search for a linearization (1993), with Lowe's memoisation of
 * configurations (2017) as Porcupine implements it (`checkSingle`).
 *
 * Walk the entry list from the front. At a call, try to linearize that operation now: if the
 * model allows it and the resulting configuration (linearized set, state) was never seen,
 * lift it out of the list, push it, and restart from the front. A configuration seen before
 * was explored from (or is being explored from) already, so skipping it loses nothing; this is
 * what turns an exponential search into one that is fast on real histories. At a return, the
 * operation it belongs to had to take effect before now and could not: backtrack (pop the last
 * linearized operation, put it back, and try the entry after it). The history is linearizable
 * when every definite operation is linearized, and not when a return is met with nothing left
 * to pop. The memo and its rule for indeterminate operations are in configurations.ts.
 */
export function searchLinearization<State>(
  model: Model<State>,
  ops: readonly Operation[],
  budget: SearchBudget,
): SearchOutcome<State> {
  const head = makeEntries(ops);
  const configurations = new Configurations(ops);
  // `final`: a read-only operation linearized where it was legal. Taking it then is never
  // worse than taking it later (it changes nothing, and it lifts its return's deadline), so
  // when the search backtracks over it, trying the entries after it is pointless: it keeps
  // backtracking instead.
  const calls: { readonly entry: Entry; readonly state: State; readonly final: boolean }[] = [];
  let state = model.init();
  let entry: Entry | null = head.next;
  let deepest: (Deepest<State> & { readonly definite: number }) | undefined;
  // Definite operations linearized: the measure of "furthest". Indeterminate ones do not
  // count, so an explanation never gets longer by guessing a timed-out write landed.
  let definite = 0;
  const definiteTotal = ops.filter((op) => op.type !== 'info').length;
  let steps = 0;
  const undo = (top: (typeof calls)[number]): void => {
    state = top.state;
    if (ops[top.entry.id]!.type !== 'info') definite--;
    configurations.remove(top.entry.id);
    unlift(top.entry);
  };
  /** Backs out of the last choice that has alternatives; the entry to try next, or null when
   *  there is none left (no linearization). */
  const backtrack = (): Entry | null => {
    let top = calls.pop();
    while (top?.final === true) {
      undo(top);
      top = calls.pop();
    }
    if (top === undefined) return null;
    undo(top);
    return top.entry.next;
  };

  // Done when every definite operation is linearized: the indeterminate ones left can all
  // be taken to have never happened (or to land last, where nothing observes them).
  while (definite < definiteTotal) {
    steps++;
    if (steps % budgetCheckSteps === 0 && outOfBudget(steps, budget)) {
      return { kind: 'unknown', steps };
    }
    const current = entry!; // a return is always met before running off the end
    if (current.match !== null) {
      const op = ops[current.id]!;
      const next = model.step(state, op);
      // An indeterminate operation that changes nothing here is never worth linearizing now:
      // leaving it out (it never happened) allows everything this allows.
      const useful =
        next !== undefined && (op.type !== 'info' || model.hash(next) !== model.hash(state));
      if (useful) {
        configurations.add(current.id);
        if (configurations.visit(model.hash(next))) {
          calls.push({ entry: current, state, final: model.readOnly(op) });
          if (op.type !== 'info') definite++;
          state = next;
          lift(current);
          entry = head.next;
          continue;
        }
        configurations.remove(current.id);
        // A legal read whose configuration was reached before, by another order: that one
        // was explored and failed, and it dominates this one (see `final`), so this fails too.
        if (model.readOnly(op) && deepest !== undefined) {
          entry = backtrack();
          if (entry === null) return { kind: 'nonlinearizable', deepest, steps };
          continue;
        }
      }
      entry = current.next;
      continue;
    }
    // A return: its operation was not linearized in time on this path. Ties go to the
    // shorter prefix: fewer indeterminate operations guessed in.
    if (
      deepest === undefined ||
      definite > deepest.definite ||
      (definite === deepest.definite && calls.length < deepest.order.length)
    ) {
      deepest = {
        definite,
        order: calls.map((call) => call.entry.id),
        state,
        stuck: current.id,
        candidates: callsBefore(head, current),
      };
    }
    entry = backtrack();
    if (entry === null) return { kind: 'nonlinearizable', deepest, steps };
  }
  return { kind: 'linearizable', order: calls.map((call) => call.entry.id), steps };
}

function outOfBudget(steps: number, budget: SearchBudget): boolean {
  return steps >= budget.stepsMax || performance.now() >= budget.deadlineMs;
}

/** The operations whose call entries are still in the list before `until`. */
function callsBefore(head: Entry, until: Entry): number[] {
  const ids: number[] = [];
  for (let e = head.next; e !== null && e !== until; e = e.next) {
    if (e.match !== null) ids.push(e.id);
  }
  return ids;
}
