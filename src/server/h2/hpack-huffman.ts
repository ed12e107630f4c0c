/**
 * A table-driven decoder for the HPACK Huffman code (RFC 7541 Section 5.2, Appendix B), for
 * the hot path: 4 bits per step through a precomputed state machine, writing into a buffer the
 * caller owns, nothing allocated per string. `../http2/huffman.ts` (the bit-at-a-time decoder
 * and the code table this derives from) stays the reference; the tests compare the two.
 *
 * The states are the 256 internal nodes of the code tree (257 leaves: 256 octets and EOS).
 * Since the shortest code is 5 bits, a 4-bit step completes at most one symbol, so each of the
 * 256 x 16 transitions is: the next state, and at most one emitted octet, or a failure when the
 * step completes EOS (Section 5.2: EOS in a string is a decoding error).
 */
import { assert } from '../../base/assert.js';
import { huffmanCodes } from '../http2/huffman.js';

const eos = 256;
/** Transition layout: next state in bits 0-7, emitted octet in bits 8-15, then two flags. */
const emitsFlag = 1 << 16;
const failsFlag = 1 << 17;

const { transitions, accepting } = buildStateMachine();

/**
 * Decodes the Huffman-coded octets input[start..end) into `output` from offset 0; returns the
 * decoded length, or -1 when the string is not valid HPACK (EOS inside it; padding longer than
 * 7 bits or not a prefix of EOS, i.e. not all ones). `output` must hold at least
 * `huffmanDecodedLengthMax(end - start)` octets.
 */
export function huffmanDecodeInto(
  input: Uint8Array,
  start: number,
  end: number,
  output: Uint8Array,
): number {
  let state = 0;
  let length = 0;
  for (let at = start; at < end; at++) {
    const octet = input[at] as number;
    let step = transitions[(state << 4) | (octet >> 4)] as number;
    if (step & failsFlag) return -1;
    if (step & emitsFlag) output[length++] = (step >> 8) & 0xff;
    state = step & 0xff;
    step = transitions[(state << 4) | (octet & 0x0f)] as number;
    if (step & failsFlag) return -1;
    if (step & emitsFlag) output[length++] = (step >> 8) & 0xff;
    state = step & 0xff;
  }
  return accepting[state] === 1 ? length : -1;
}

/** The most octets `encodedLength` Huffman-coded octets can decode to (5 bits per symbol). */
export function huffmanDecodedLengthMax(encodedLength: number): number {
  return Math.floor((encodedLength * 8) / 5);
}

function buildStateMachine(): { transitions: Int32Array; accepting: Uint8Array } {
  // The code tree: children[2 * node + bit] is an internal node id, or -(symbol + 1) for a leaf.
  const children: number[] = [0, 0];
  let nodes = 1;
  huffmanCodes.forEach(({ code, bits }, symbol) => {
    let node = 0;
    for (let bit = bits - 1; bit >= 0; bit--) {
      const slot = 2 * node + ((code >>> bit) & 1);
      if (bit === 0) {
        children[slot] = -(symbol + 1);
      } else {
        if (children[slot] === 0) {
          children[slot] = nodes++;
          children.push(0, 0);
        }
        node = children[slot] as number;
      }
    }
  });
  // Invariant: a complete prefix code over 257 symbols has 256 internal nodes, so a state fits
  // in 8 bits.
  assert(nodes === 256, () => `HPACK Huffman tree has ${nodes} internal nodes, expected 256`);

  const transitions = new Int32Array(256 * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let step = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const child = children[2 * node + ((nibble >> bit) & 1)] as number;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = -child - 1;
        if (symbol === eos) {
          step |= failsFlag;
          break;
        }
        // Invariant: codes are >= 5 bits, so one nibble completes at most one of them.
        assert((step & emitsFlag) === 0, 'two Huffman symbols in one nibble');
        step |= emitsFlag | (symbol << 8);
        node = 0;
      }
      transitions[(state << 4) | nibble] = step | node;
    }
  }

  // A string may end at the root or inside EOS's code after at most 7 of its (all-one) bits.
  const accepting = new Uint8Array(256);
  let node = 0;
  for (let depth = 0; depth <= 7; depth++) {
    accepting[node] = 1;
    node = children[2 * node + 1] as number;
  }
  return { transitions, accepting };
}
