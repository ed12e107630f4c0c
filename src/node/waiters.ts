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

  reject(id: bigint, error: ConcordError): void {
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return;
    this.waiting.delete(id);
    waiter.reject(error);
  }

  rejectAll(error: ConcordError): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of all) waiter.reject(error);
  }
}
