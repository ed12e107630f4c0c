/**
 * Calls that wait on the cluster for as long as their client likes: Lock and Campaign until
 * their key is first in line, Observe until the client leaves. Each holds a watch, and a Lock
 * or Campaign a queued key, so without a bound one client could pile up as many as its
 * connections carry streams (etcd's default: 2^32-1 per connection). Past the bound a new
 * one is refused at once with etcd's "too many requests" (ResourceExhausted), and nothing is
 * written for it.
 */
import { ConcordError } from '../../base/errors.js';

export class WaitingCalls {
  private count = 0;

  constructor(private readonly max: number) {}

  /** Calls waiting now. */
  get size(): number {
    return this.count;
  }

  /** Takes a place, or throws TooManyRequests; call the returned function to give it back. */
  enter(): () => void {
    if (this.count >= this.max) {
      throw new ConcordError('TooManyRequests', 'etcdserver: too many requests');
    }
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count--;
    };
  }

  /** Runs `body` in a place of its own. */
  async run<T>(body: () => Promise<T>): Promise<T> {
    const leave = this.enter();
    try {
      return await body();
    } finally {
      leave();
    }
  }
}
