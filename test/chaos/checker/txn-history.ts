import type { Value } from '../history/event.js';
import type { Operation } from '../history/operation.js';

/** An element appended to a list; unique per key across a run (Elle's list-append). */
export type Element = string | number;

/** One micro-operation of a list-append transaction (FORMAT.md): a read of a key's whole
 *  list, or an append of one element to it. */
export type MicroOp =
  | { readonly f: 'r'; readonly key: string; readonly list: readonly Element[] | undefined }
  | { readonly f: 'append'; readonly key: string; readonly element: Element };

/** A transaction of the history, numbered for the dependency graph. */
export interface Txn {
  readonly id: number;
  readonly op: Operation;
  /** ok: committed. info: unknown (committed if anything it appended is ever read). fail:
   *  certainly aborted. */
  readonly status: Operation['type'];
  readonly microOps: readonly MicroOp[];
}

/** The `txn` operations of a history, in invocation order, parsed. Throws on a malformed
 *  txn value: a harness bug, not an anomaly. */
export function parseTxns(ops: readonly Operation[]): Txn[] {
  return ops
    .filter((op) => op.f === 'txn')
    .map((op, id) => ({ id, op, status: op.type, microOps: microOps(op) }));
}

function microOps(op: Operation): MicroOp[] {
  const value: Value | undefined =
    op.type === 'ok' && op.output !== undefined ? op.output : op.input;
  if (!Array.isArray(value))
    throw new Error(`txn of process ${op.process}: value is not a list of micro-ops`);
  return value.map((raw: Value) => {
    if (!Array.isArray(raw) || raw.length !== 3 || typeof raw[1] !== 'string') {
      throw new Error(`txn of process ${op.process}: bad micro-op ${JSON.stringify(raw)}`);
    }
    const [f, key, arg] = raw as [Value, string, Value];
    if (f === 'append' && isElement(arg)) return { f, key, element: arg };
    if (f === 'r') {
      // An ok read returns a list (null or [] for an absent key); an unanswered one has none.
      if (op.type !== 'ok') return { f, key, list: undefined };
      if (arg === null) return { f, key, list: [] };
      if (Array.isArray(arg) && arg.every(isElement)) return { f, key, list: arg as Element[] };
    }
    throw new Error(`txn of process ${op.process}: bad micro-op ${JSON.stringify(raw)}`);
  });
}

function isElement(value: unknown): value is Element {
  return typeof value === 'string' || typeof value === 'number';
}
