import type { Operation } from '../history/operation.js';

/**
 * The history as Wing & Gong's doubly linked list of call and return entries in time order
 * (Wing & Gong 1993; Porcupine's `node`). A call points at its return (`match`); a return's
 * `match` is null. Linearizing an operation "lifts" both its entries out of the list, and
 * backtracking "unlifts" them back in O(1), which is why it is a linked list.
 */
export interface Entry {
  /** The operation's index in its partition. */
  readonly id: number;
  /** The call entry's return; null on a return entry (and on the head sentinel). */
  readonly match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/**
 * Builds the list and returns its head sentinel (id -1). Entries are ordered by time; at equal
 * times calls come before returns, so touching operations count as concurrent, the lenient
 * reading that never reports a false anomaly. An operation without a return time (`info`)
 * returns at +infinity: after every definite return.
 */
export function makeEntries(ops: readonly Operation[]): Entry {
  interface Point {
    readonly id: number;
    readonly call: boolean;
    readonly time: bigint | undefined; // undefined = +infinity
  }
  const points: Point[] = [];
  ops.forEach((op, id) => {
    points.push({ id, call: true, time: op.invokeTime });
    points.push({ id, call: false, time: op.returnTime });
  });
  points.sort((a, b) => {
    if (a.time !== b.time) {
      if (a.time === undefined) return 1;
      if (b.time === undefined) return -1;
      return a.time < b.time ? -1 : 1;
    }
    if (a.call !== b.call) return a.call ? -1 : 1;
    return a.id - b.id;
  });
  // Built back to front, so each call's return already exists when the call is made.
  const returns = new Map<number, Entry>();
  let next: Entry | null = null;
  for (let i = points.length - 1; i >= 0; i--) {
    const point = points[i]!;
    const match = point.call ? returns.get(point.id)! : null;
    const entry: Entry = { id: point.id, match, prev: null, next };
    if (next !== null) next.prev = entry;
    if (!point.call) returns.set(point.id, entry);
    next = entry;
  }
  const head: Entry = { id: -1, match: null, prev: null, next };
  if (next !== null) next.prev = head;
  return head;
}

/** Removes a call entry and its return from the list (the operation is linearized). */
export function lift(call: Entry): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev; // a call always has its return after it
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Puts them back exactly where they were (undoes `lift`; lifts are undone in LIFO order). */
export function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}
