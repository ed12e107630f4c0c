/**
 * Request identities for Concord's at-most-once writes (DESIGN.md promise 6). A write carries
 * gRPC metadata `concord-client-id` (a random 64-bit number, in decimal) and
 * `concord-request-seq` (1, 2, 3, ... per client ID); a retry of the same write sends the
 * same pair, and Concord applies it once and answers every copy with the first outcome.
 *
 * Concord keeps one outcome per client ID, so a client ID may have only one write in flight.
 * A client therefore holds a small pool of "lanes", each its own client ID and sequence: a
 * write takes a free lane for all its attempts, and gives it back when it is settled. At
 * most `max` writes are in flight; more wait for a lane.
 */
import { randomBytes } from 'node:crypto';
import { abortError } from './errors.js';

export const clientIdHeader = 'concord-client-id';
export const sequenceHeader = 'concord-request-seq';

/** One client ID and its sequence. Invariant: used by one write at a time. */
export class Lane {
  clientId = randomClientId();
  private sequence = 0;

  /** The sequence number of the next new write. */
  next(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /**
   * A fresh client ID from sequence 1: after Concord forgot this one's session (evicted),
   * a write that was never sent under the old ID may be sent again under the new one.
   */
  renew(): void {
    this.clientId = randomClientId();
    this.sequence = 0;
  }
}

export class IdentityLanes {
  private readonly free: Lane[] = [];
  private created = 0;
  private readonly waiting: ((lane: Lane) => void)[] = [];

  constructor(private readonly max: number) {}

  async acquire(signal?: AbortSignal): Promise<Lane> {
    const lane = this.free.pop();
    if (lane !== undefined) return lane;
    if (this.created < this.max) {
      this.created += 1;
      return new Lane();
    }
    return new Promise<Lane>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(take);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(abortError(signal!));
      };
      const take = (lane: Lane): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(lane);
      };
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  release(lane: Lane): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(lane);
    else this.free.push(lane);
  }
}

function randomClientId(): string {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE();
    if (id !== 0n) return id.toString();
  }
}
