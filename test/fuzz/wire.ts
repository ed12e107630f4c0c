/**
 * Protobuf wire bytes by hand, right and wrong: the fuzzer builds hostile messages field by
 * field (wrong wire types, truncated varints, huge length prefixes, nesting) that no
 * protobuf library would emit.
 */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, groupStart: 3, groupEnd: 4, fixed32: 5 };

export function varint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export function tag(field: number, wireType: number): Buffer {
  return varint((BigInt(field) << 3n) | BigInt(wireType & 7));
}

export function varintField(field: number, value: bigint | number): Buffer {
  return Buffer.concat([tag(field, WireType.varint), varint(value)]);
}

export function bytesField(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([tag(field, WireType.bytes), varint(bytes.length), bytes]);
}

export function stringField(field: number, text: string): Buffer {
  return bytesField(field, Buffer.from(text));
}

/**
 * A message that can never decode, whatever comes before it: a length-delimited field whose
 * length runs past the end. Appended to any sequence of complete fields, it makes the whole
 * message fail to decode, so the request is refused before it reaches a handler.
 */
export function truncatedTail(field: number, claimed = 1000): Buffer {
  return Buffer.concat([tag(field, WireType.bytes), varint(claimed), Buffer.from([1, 2, 3])]);
}
