import { assert } from '../../src/base/assert.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A client write's unique identity, `c<client>.<sequence>`: retries carry the same one. */
export type WriteId = string;

export function encodeWrite(id: WriteId): Uint8Array {
  return encoder.encode(id);
}

/** The write a Normal entry carries, or undefined for a leader's empty no-op entry. */
export function decodeWrite(data: Uint8Array): WriteId | undefined {
  return data.length === 0 ? undefined : decoder.decode(data);
}

/**
 * The replicated state machine of the simulator: the sequence of distinct client writes in
 * the order they were applied. A write applied again (a client retry that was committed
 * twice) is recognised by its id and skipped, which is how the at-most-once promise of
 * DESIGN.md (section 6.3 of the Raft dissertation) is modelled.
 *
 * A read returns the whole sequence: comparing it to the one sequence every member must
 * agree on tells exactly which writes the read observed.
 */
export class StateMachine {
  private readonly positions = new Map<WriteId, number>();
  private readonly sequence: WriteId[] = [];

  /** Applies a write; returns its position in the sequence, new or earlier (a duplicate). */
  apply(id: WriteId): { position: number; duplicate: boolean } {
    const earlier = this.positions.get(id);
    if (earlier !== undefined) return { position: earlier, duplicate: true };
    this.positions.set(id, this.sequence.length);
    this.sequence.push(id);
    return { position: this.sequence.length - 1, duplicate: false };
  }

  has(id: WriteId): boolean {
    return this.positions.has(id);
  }

  /** The applied writes, in order. The caller must not mutate it. */
  get writes(): readonly WriteId[] {
    return this.sequence;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify(this.sequence));
  }

  static restore(data: Uint8Array): StateMachine {
    const machine = new StateMachine();
    if (data.length === 0) return machine; // a new member's empty index-0 snapshot
    const parsed: unknown = JSON.parse(decoder.decode(data));
    assert(Array.isArray(parsed), 'state machine snapshot is not a list');
    for (const id of parsed) {
      assert(typeof id === 'string', 'state machine snapshot holds a non-string write');
      machine.apply(id);
    }
    return machine;
  }
}
