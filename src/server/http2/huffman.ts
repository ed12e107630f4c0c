/**
 * The HPACK static Huffman code (RFC 7541 Section 5.2, Appendix B), enough to read and rewrite
 * one header value: decode to bytes, encode back with the padding HPACK requires.
 *
 * The code is canonical (Appendix B: codes of one length are consecutive, in symbol order, and
 * each length starts where the previous one ended, shifted left), so the code lengths alone
 * define it; the codes are derived from them here, and the tests check a sample against the
 * RFC's table.
 */
import { assert } from '../../base/assert.js';

/** Bits per symbol, symbols 0..255 then EOS (256), from RFC 7541 Appendix B. */
// prettier-ignore
const codeBits: readonly number[] = [
  // 0-31: control characters
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  // 32-63: ' ' ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  // 64-95: @ A-Z [ \ ] ^ _
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  // 96-127: ` a-z { | } ~ DEL
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  // 128-255
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  // EOS
  30,
];

const eos = 256;
const codeBitsMax = 30;
/** RFC 7541 Section 5.2: padding longer than 7 bits is a decoding error. */
const paddingBitsMax = 7;

/** The code of each symbol, right-aligned in `bits` bits. */
export const huffmanCodes: readonly { readonly code: number; readonly bits: number }[] =
  canonicalCodes();
/** For the canonical decoder: per length, the first code, and where its symbols start. */
const firstCode: number[] = new Array<number>(codeBitsMax + 1).fill(0);
const countByBits: number[] = new Array<number>(codeBitsMax + 1).fill(0);
const firstIndex: number[] = new Array<number>(codeBitsMax + 1).fill(0);
/** Symbols ordered by (length, symbol): the canonical order. */
const symbolsInOrder: number[] = [];
buildDecoder();

function canonicalCodes(): { code: number; bits: number }[] {
  const order = codeBits.map((_, symbol) => symbol);
  order.sort((a, b) => (codeBits[a] as number) - (codeBits[b] as number) || a - b);
  const codes = new Array<{ code: number; bits: number }>(codeBits.length);
  let code = 0;
  let bits = codeBits[order[0] as number] as number;
  for (const symbol of order) {
    const length = codeBits[symbol] as number;
    code *= 2 ** (length - bits);
    bits = length;
    codes[symbol] = { code, bits };
    code += 1;
  }
  // Invariant: a complete prefix code ends exactly at 2^bits (the Kraft sum is 1); a length
  // mistyped from the RFC would break it.
  assert(code === 2 ** bits, () => `HPACK Huffman table is not complete: ${code}`);
  return codes;
}

function buildDecoder(): void {
  for (const bits of codeBits) countByBits[bits] = (countByBits[bits] ?? 0) + 1;
  symbolsInOrder.push(...codeBits.map((_, symbol) => symbol));
  symbolsInOrder.sort((a, b) => (codeBits[a] as number) - (codeBits[b] as number) || a - b);
  let index = 0;
  for (let bits = 1; bits <= codeBitsMax; bits++) {
    if (countByBits[bits] === 0) continue;
    const first = symbolsInOrder[index] as number;
    firstCode[bits] = (huffmanCodes[first] as { code: number }).code;
    firstIndex[bits] = index;
    index += countByBits[bits] as number;
  }
}

/**
 * Decodes a Huffman-coded HPACK string, or returns undefined when it is not valid HPACK
 * (EOS inside, padding over 7 bits or not all ones: RFC 7541 Section 5.2).
 */
export function huffmanDecode(input: Uint8Array): Uint8Array | undefined {
  const output: number[] = [];
  let code = 0;
  let bits = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      bits += 1;
      const offset = code - (firstCode[bits] as number);
      if (offset >= 0 && offset < (countByBits[bits] as number)) {
        const symbol = symbolsInOrder[(firstIndex[bits] as number) + offset] as number;
        if (symbol === eos) return undefined;
        output.push(symbol);
        code = 0;
        bits = 0;
      } else if (bits >= codeBitsMax) {
        return undefined;
      }
    }
  }
  // What is left must be a prefix of EOS, which is all ones.
  if (bits > paddingBitsMax || code !== 2 ** bits - 1) return undefined;
  return Uint8Array.from(output);
}

/** Huffman-codes bytes, padding the last octet with the most significant bits of EOS (ones). */
export function huffmanEncode(input: Uint8Array): Buffer {
  let bitCount = 0;
  for (const byte of input) bitCount += (huffmanCodes[byte] as { bits: number }).bits;
  const output = Buffer.alloc(Math.ceil(bitCount / 8));
  let at = 0;
  // Pending bits, right-aligned; never more than 7 + 30, so kept as a float-safe integer.
  let pending = 0;
  let pendingBits = 0;
  for (const byte of input) {
    const { code, bits } = huffmanCodes[byte] as { code: number; bits: number };
    pending = pending * 2 ** bits + code;
    pendingBits += bits;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      const top = Math.floor(pending / 2 ** pendingBits);
      output[at++] = top;
      pending -= top * 2 ** pendingBits;
    }
  }
  if (pendingBits > 0) {
    output[at] = pending * 2 ** (8 - pendingBits) + (2 ** (8 - pendingBits) - 1);
  }
  return output;
}
