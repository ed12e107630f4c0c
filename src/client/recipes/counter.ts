/**
 * A distributed counter (Curator's DistributedAtomicLong): a decimal integer in one key,
 * changed by compare-and-swap. `add()` reads the value and its mod revision and writes the
 * new value in a Txn that succeeds only if the key was not modified since; on a conflict it
 * reads again. Every successful add is applied exactly once on top of the previous one, so
 * concurrent increments from any number of processes never lose an update.
 *
 * @example
 * const visits = new Counter(client, 'counters/visits');
 * const now = await visits.increment(); // 1, 2, 3, ... across every process
 * await visits.add(-5);
 * await visits.get();
 */
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import { compare, op } from '../ops.js';

export class Counter {
  constructor(
    private readonly client: Client,
    /** The counter's key. */
    readonly key: string,
  ) {}

  /** The current value (0 if the key does not exist). */
  async get(options: CallOptions = {}): Promise<number> {
    return parse(this.key, (await this.client.get(this.key, options))?.value);
  }

  /** Adds `delta` atomically; resolves the new value. */
  async add(delta: number, options: CallOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new RangeError(`delta must be an integer: ${delta}`);
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get(this.key, options);
      const next = parse(this.key, current?.value) + delta;
      if (!Number.isSafeInteger(next)) throw new RangeError(`counter ${this.key} overflows`);
      const guard =
        current === undefined
          ? compare.createRevision(this.key, '=', 0)
          : compare.modRevision(this.key, '=', current.modRevision);
      const result = await this.client
        .txn()
        .if(guard)
        .then(op.put(this.key, String(next)))
        .commit(options);
      if (result.succeeded) return next;
      // Lost the race: back off a little (more with each loss) so contenders spread out.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)),
      );
    }
  }

  increment(options: CallOptions = {}): Promise<number> {
    return this.add(1, options);
  }

  decrement(options: CallOptions = {}): Promise<number> {
    return this.add(-1, options);
  }
}

function parse(key: string, value: Buffer | undefined): number {
  if (value === undefined) return 0;
  const number = Number(value.toString());
  if (!Number.isSafeInteger(number)) {
    throw new TypeError(`counter ${key} holds a non-integer: ${JSON.stringify(value.toString())}`);
  }
  return number;
}
