import type { ConcordError } from '../base/errors.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: ConcordError): void;
}

/**
 * Requests waiting for their outcome, by ID (etcd's wait.Wait). The member that proposed a
 * write registers it; applying the entry triggers it. Bounded by the proposal queue.
 */
export class Waiters<T> {
  private readonly waiting = new Map<bigint, Waiter<T>>();

  get size(): number {
    return this.waiting.size;
  }

  register(id: bigint): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
    });
  }

  has(id: bigint): boolean {
    return this.waiting.has(id);
  }

  resolve(id: bigint, value: T): void {
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return; // proposed elsewhere, or the client gave up
    this.waiting.delete(id);
    waiter.resolve(value);
  }

  /** Rejects the waiter of `id`; false if there is none here. */
  reject(id: bigint, error: ConcordError): boolean {
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return false;
    this.waiting.delete(id);
    waiter.reject(error);
    return true;
  }

  /** Rejects every waiter; returns how many there were. */
  rejectAll(error: ConcordError): number {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of all) waiter.reject(error);
    return all.length;
  }
}
