/**
 * Invariant checks. A failed assertion is a bug, never an operating error: it throws an
 * AssertionError carrying the message (and whatever state the caller put in it), and nothing
 * in Concord catches it. Operating errors (bad input, lost peers, full disks) are
 * {@link ConcordError}s instead.
 *
 * @example
 * assert(match <= lastIndex, `match ${match} beyond last index ${lastIndex}`);
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message?: string | (() => string)): asserts condition {
  if (!condition) {
    const text = typeof message === 'function' ? message() : message;
    throw new AssertionError(text ?? 'assertion failed');
  }
}

/** Marks a branch the type system proves unreachable; reaching it at run time is a bug. */
export function unreachable(value: never, what = 'value'): never {
  throw new AssertionError(`unreachable: unexpected ${what} ${JSON.stringify(value)}`);
}

/** Raft indexes, terms and MVCC revisions are numbers; they must stay exact integers. */
export function assertSafeInteger(value: number, what: string): void {
  assert(
    Number.isSafeInteger(value) && value >= 0,
    () => `${what} must be a non-negative safe integer, got ${value}`,
  );
}
