/**
 * The set of linearized operations, one bit per operation of a partition. Its `key` is half
 * of the memo cache's key (Lowe 2017: a configuration is the linearized set plus the state).
 */
export class Bitset {
  private readonly words: Uint32Array;

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

  /** A compact string equal for equal sets: two UTF-16 code units per word. */
  key(): string {
    let key = '';
    for (const word of this.words) key += String.fromCharCode(word & 0xffff, word >>> 16);
    return key;
  }
}
