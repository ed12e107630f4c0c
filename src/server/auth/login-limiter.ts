/**
 * Failed logins, rate-limited per user name (etcd has no such limit; a coordination service
 * holding every other system's secrets should not let a password be guessed at wire speed).
 *
 * After the n-th consecutive failure for a name, further attempts for that name are refused
 * for min(loginBackoffBaseMs * 2^(n-1), loginBackoffMaxMs) with etcd's "too many requests",
 * before the password is even hashed. A success clears the name's record. Names are tracked
 * whether they exist or not (so the limit does not reveal which do), at most
 * loginTrackedNamesMax at once, the least recently failed forgotten first.
 *
 * Password checks are also bounded across all names: a slow hash is the cost of a login, and
 * logins under ever new names would otherwise queue unbounded work on the member. Past
 * passwordChecksInflightMax checks at once, a login is refused at once ("too many requests").
 */
import { assert } from '../../base/assert.js';

export const loginBackoffBaseMs = 100;
export const loginBackoffMaxMs = 10_000;
export const loginTrackedNamesMax = 10_000;
/** Password hashes computed at once, at most (libuv runs 4 by default; a few more queue). */
export const passwordChecksInflightMax = 16;

export class LoginLimiter {
  // Insertion order is failure order: the first entry failed least recently.
  private readonly failures = new Map<string, { count: number; until: number }>();
  // Invariant: 0 <= checksInflight <= passwordChecksInflightMax.
  private checksInflight = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until `name` may try again; 0 when it may now. */
  retryAfterMs(name: string): number {
    const entry = this.failures.get(name);
    return entry === undefined ? 0 : Math.max(0, entry.until - this.now());
  }

  failed(name: string): number {
    const count = (this.failures.get(name)?.count ?? 0) + 1;
    const delay = Math.min(loginBackoffBaseMs * 2 ** (count - 1), loginBackoffMaxMs);
    this.failures.delete(name);
    this.failures.set(name, { count, until: this.now() + delay });
    if (this.failures.size > loginTrackedNamesMax) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return count;
  }

  succeeded(name: string): void {
    this.failures.delete(name);
  }

  /** Starts a password check; false (and nothing started) when too many are running. */
  beginCheck(): boolean {
    if (this.checksInflight >= passwordChecksInflightMax) return false;
    this.checksInflight++;
    return true;
  }

  endCheck(): void {
    assert(this.checksInflight > 0, 'endCheck without beginCheck');
    this.checksInflight--;
  }
}
