import { Prng } from '../../../src/base/prng.js';
import type { Operation } from '../history/operation.js';
import { Bitset } from './bitset.js';

interface Seen {
  readonly definite: Uint32Array;
  readonly info: Uint32Array;
}

/**
 * The memo of Lowe's search (Lowe 2017, section 4; Porcupine's cache): the configurations
 * (linearized set, state) already reached. One reached before was explored, or is being
 * explored, from there on, so reaching it again can be skipped.
 *
 * Indeterminate operations get one more rule, because a run with many timeouts would
 * otherwise explode: a configuration is also skipped when one with the same state, the same
 * definite operations and a SUBSET of its indeterminate ones was reached. Such an operation
 * returns at +infinity, so leaving it unlinearized never blocks anything, and it may always
 * be linearized later or never: whatever the larger configuration can still do, the smaller
 * one can too.
 *
 * The definite set is hashed incrementally (Zobrist hashing: XOR of a random word per
 * operation), so a step costs O(1) plus the state's hash, not O(operations).
 */
export class Configurations {
  private readonly seen = new Map<string, Seen[]>();
  private readonly definite: Bitset;
  private readonly info: Bitset;
  /** Each op's index in `definite` or `info`. */
  private readonly slot: Int32Array;
  private readonly isInfo: Uint8Array;
  private readonly zobrist: Uint32Array;
  private hashLow = 0;
  private hashHigh = 0;

  constructor(ops: readonly Operation[]) {
    this.slot = new Int32Array(ops.length);
    this.isInfo = new Uint8Array(ops.length);
    let definite = 0;
    let info = 0;
    ops.forEach((op, id) => {
      this.isInfo[id] = op.type === 'info' ? 1 : 0;
      this.slot[id] = op.type === 'info' ? info++ : definite++;
    });
    this.definite = new Bitset(definite);
    this.info = new Bitset(info);
    const prng = new Prng(0x5eed); // any fixed seed: the hash only has to spread
    this.zobrist = Uint32Array.from({ length: 2 * definite }, () => prng.u32());
  }

  /** Adds operation `id` to the current linearized set. */
  add(id: number): void {
    if (this.isInfo[id] === 1) return this.info.set(this.slot[id]!);
    this.definite.set(this.slot[id]!);
    this.flip(this.slot[id]!);
  }

  /** Takes it out again (backtracking). */
  remove(id: number): void {
    if (this.isInfo[id] === 1) return this.info.clear(this.slot[id]!);
    this.definite.clear(this.slot[id]!);
    this.flip(this.slot[id]!);
  }

  /** Records the current set with a state; false if it, or one that dominates it, was seen. */
  visit(stateHash: string): boolean {
    const key = `${this.hashLow},${this.hashHigh},${stateHash}`;
    let bucket = this.seen.get(key);
    if (bucket === undefined) this.seen.set(key, (bucket = []));
    for (const seen of bucket) {
      if (this.definite.equals(seen.definite) && this.info.includes(seen.info)) return false;
    }
    bucket.push({ definite: this.definite.snapshot(), info: this.info.snapshot() });
    return true;
  }

  private flip(slot: number): void {
    this.hashLow ^= this.zobrist[2 * slot]!;
    this.hashHigh ^= this.zobrist[2 * slot + 1]!;
  }
}
