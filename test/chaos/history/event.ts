/**
 * One line of a history: the Jepsen event model (Kingsbury, "Jepsen: Knossos"; Porcupine's
 * `Event`). A client operation is two events of the same `process`: an `invoke` when the
 * client sends it, then exactly one completion (`ok`, `fail` or `info`) when it learns the
 * outcome. Checkers pair them back up with `pairOperations` (operation.ts).
 *
 * The on-disk form is one JSON object per line, documented in FORMAT.md.
 */

/** Any JSON value: what an operation carries as its argument or result. */
export type Value =
  null | boolean | number | string | readonly Value[] | { readonly [k: string]: Value };

/**
 * - `invoke`: the client sent the request.
 * - `ok`: it certainly took effect (for a read: it returned `value`).
 * - `fail`: it certainly did NOT take effect (a refused request, a cas whose compare missed).
 * - `info`: indeterminate; it may or may not have taken effect, at any time after its
 *   invocation (a timeout, a connection lost mid-request). Its return is treated as at
 *   +infinity, so the process that saw it never invokes again (use a fresh process number).
 */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/**
 * The operation's function. The register, txn, watch, lease and lock workloads use these
 * (their `value` shapes are in FORMAT.md); other names pass through untouched.
 */
export type OpFunction =
  | 'read'
  | 'write'
  | 'cas'
  | 'delete'
  | 'txn'
  | 'watch'
  | 'lease-grant'
  | 'lease-keepalive'
  | 'lease-revoke'
  | 'lease-put'
  | 'lock'
  | 'unlock'
  | 'fenced-write'
  | (string & {});

export interface HistoryEvent {
  /** The logical client issuing operations one at a time (Jepsen's :process). */
  readonly process: number;
  readonly type: EventType;
  readonly f: OpFunction;
  /** The key it acts on; absent for multi-key operations (a txn names its keys in `value`). */
  readonly key?: string;
  /** The argument on `invoke`; the result on `ok` (see FORMAT.md per `f`). */
  readonly value?: Value;
  /** Monotonic clock, nanoseconds (process.hrtime.bigint()); only its order matters. */
  readonly time: bigint;
  /** Position in the history, 0, 1, 2, ... in the order the events happened. */
  readonly index: number;
  /** The member the request went to, when known ("n1"); for reading reports only. */
  readonly node?: string;
  /** Why it failed or is indeterminate ("deadline exceeded"); for reading reports only. */
  readonly error?: string;
}
