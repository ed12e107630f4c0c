/**
 * Finds the :authority header in an HPACK header block (RFC 7541 Section 6) and, when its value
 * is a URL ("http://host:port", as etcdctl 3.4 sends when it dials a member's client URL),
 * rewrites it in place into an authority nghttp2 accepts, keeping every encoded length.
 *
 * Same length, same bytes count: so no frame length, no dynamic table size accounting (entry
 * size = name + value + 32 octets) and no index changes, and the block needs no re-encoding.
 * Later requests on the connection refer to the dynamic-table entry by index, and that entry
 * now holds the rewritten value, so only literals need rewriting.
 *
 * The rewrite: every ':' of the scheme delimiter becomes 'x' and every '/' becomes '-'
 * ("http://127.0.0.1:2379" -> "httpx--127.0.0.1:2379"). Each replacement has the same
 * Huffman code length as the character it replaces (':' and 'x' are 7 bits, '/' and '-' are
 * 6), so a Huffman-coded value keeps its bit length too, and so its octet length and padding.
 */
import { assert } from '../../base/assert.js';
import { huffmanDecode, huffmanEncode } from './huffman.js';

/** The :authority entry of the static table (RFC 7541 Appendix A). */
const authorityStaticIndex = 1;
const authorityName = Buffer.from(':authority');
const schemes = [Buffer.from('http://'), Buffer.from('https://')];
const slash = 0x2f;
const x = 0x78;
const dash = 0x2d;
/** A header block integer above this is not something a client sends: treat as malformed. */
const integerMax = 2 ** 28;

export type AuthorityScan =
  | { readonly ok: true; readonly rewritten: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Walks every representation of `block` (a complete header block: HEADERS fragment plus its
 * CONTINUATIONs, concatenated) and rewrites URL-valued :authority literals in place. On a
 * block it cannot parse it returns `ok: false` having changed nothing; the caller then passes
 * the block on as it is and lets the HTTP/2 session judge it.
 */
export function rewriteAuthority(block: Uint8Array): AuthorityScan {
  const reader = new BlockReader(block);
  // All or nothing: the URLs found are rewritten only once the whole block has parsed, so a
  // block this cannot read leaves as it came.
  let urls: StringLiteral[] | undefined;
  while (reader.offset < block.length) {
    const first = block[reader.offset] as number;
    let prefixBits: number;
    if (first & 0x80) {
      // Indexed header field (6.1): a reference, nothing literal to rewrite.
      if (reader.integer(7) === undefined) return malformed('indexed field');
      continue;
    } else if ((first & 0xc0) === 0x40) {
      prefixBits = 6; // literal with incremental indexing (6.2.1)
    } else if ((first & 0xe0) === 0x20) {
      if (reader.integer(5) === undefined) return malformed('table size update');
      continue; // dynamic table size update (6.3)
    } else {
      prefixBits = 4; // literal without indexing (6.2.2) or never indexed (6.2.3)
    }
    const nameIndex = reader.integer(prefixBits);
    if (nameIndex === undefined) return malformed('name index');
    let isAuthority = nameIndex === authorityStaticIndex;
    if (nameIndex === 0) {
      const name = reader.string();
      if (name === undefined) return malformed('name');
      isAuthority = literalEquals(block, name, authorityName);
    }
    // A name index into the dynamic table could name :authority too, but only an encoder
    // that prefers dynamic over static name matches would send it; grpc-go and nghttp2 use
    // static index 1, so that case is left alone rather than tracking the dynamic table.
    const value = reader.string();
    if (value === undefined) return malformed('value');
    if (isAuthority) (urls ??= []).push(value);
  }
  let rewritten = 0;
  for (const value of urls ?? []) if (rewriteUrl(block, value)) rewritten += 1;
  return { ok: true, rewritten };
}

interface StringLiteral {
  readonly start: number;
  readonly end: number;
  readonly huffman: boolean;
}

/** Reads HPACK primitives (Section 5) from a block, refusing to run past its end. */
class BlockReader {
  offset = 0;
  constructor(private readonly block: Uint8Array) {}

  /** A prefixed integer (5.1), the prefix being the low `prefixBits` of the current octet. */
  integer(prefixBits: number): number | undefined {
    const mask = 2 ** prefixBits - 1;
    let value = (this.block[this.offset++] as number) & mask;
    if (value < mask) return value;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.block.length) return undefined;
      const octet = this.block[this.offset++] as number;
      value += (octet & 0x7f) * 2 ** shift;
      shift += 7;
      if (value > integerMax) return undefined;
      if ((octet & 0x80) === 0) return value;
    }
  }

  /** A string literal (5.2): where its octets are, and whether they are Huffman-coded. */
  string(): StringLiteral | undefined {
    if (this.offset >= this.block.length) return undefined;
    const huffman = ((this.block[this.offset] as number) & 0x80) !== 0;
    const length = this.integer(7);
    if (length === undefined || this.offset + length > this.block.length) return undefined;
    const start = this.offset;
    this.offset += length;
    return { start, end: this.offset, huffman };
  }
}

function malformed(reason: string): AuthorityScan {
  return { ok: false, reason: `malformed header block: ${reason}` };
}

function literalEquals(block: Uint8Array, literal: StringLiteral, expected: Buffer): boolean {
  const octets = block.subarray(literal.start, literal.end);
  const text = literal.huffman ? huffmanDecode(octets) : octets;
  return text !== undefined && expected.equals(text);
}

/** Rewrites a URL-valued literal in place; true when it did. */
function rewriteUrl(block: Uint8Array, literal: StringLiteral): boolean {
  const octets = block.subarray(literal.start, literal.end);
  if (!literal.huffman) return rewriteText(octets);
  const text = huffmanDecode(octets);
  // Not valid Huffman: not ours to fix; the HTTP/2 session will refuse it as it would anyway.
  if (text === undefined || !rewriteText(text)) return false;
  const encoded = huffmanEncode(text);
  // Invariant: each replacement keeps its code length, so the octet count is unchanged.
  assert(
    encoded.length === octets.length,
    () => `authority rewrite changed a Huffman length: ${octets.length} -> ${encoded.length}`,
  );
  octets.set(encoded);
  return true;
}

/** Rewrites "http://..." or "https://..." text in place; false (untouched) for anything else. */
function rewriteText(text: Uint8Array): boolean {
  const scheme = schemes.find((prefix) => prefix.equals(text.subarray(0, prefix.length)));
  if (scheme === undefined) return false;
  text[scheme.length - 3] = x; // the ':' of "://"
  for (let at = 0; at < text.length; at++) if (text[at] === slash) text[at] = dash;
  return true;
}
