/**
 * A set of small integers (operation ids) as 32-bit words: the linearized set of a
 * configuration (Lowe 2017: a configuration is the linearized set plus the state).
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  set(bit: number): void {
    this.words[bit >>> 5]! |= 1 << (bit & 31);
  }

  clear(bit: number): void {
    this.words[bit >>> 5]! &= ~(1 << (bit & 31));
  }

  has(bit: number): boolean {
    return (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  /** A frozen copy of the words, to keep in a cache. */
  snapshot(): Uint32Array {
    return this.words.slice();
  }

  equals(words: Uint32Array): boolean {
    for (let i = 0; i < words.length; i++) if (this.words[i] !== words[i]) return false;
    return true;
  }

  /** Whether every bit of `words` is set here. */
  includes(words: Uint32Array): boolean {
    for (let i = 0; i < words.length; i++) if ((words[i]! & ~this.words[i]!) !== 0) return false;
    return true;
  }
}
