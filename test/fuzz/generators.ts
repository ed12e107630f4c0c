/**
 * Hostile protobuf requests, seeded. Two families:
 *
 * - `undecodable`: every field is well formed (valid seeds' fields, reordered, repeated,
 *   dropped, unknown fields numbered past any etcd message's, int64 extremes in varint fields)
 *   and a bad tail comes last (a truncated varint, a length past the end, an invalid wire
 *   type, a nesting thousands deep with a truncated core). Decoding always fails, so none may
 *   change state.
 * - `hostile`: anything (random bytes, byte-level mutations of valid requests, fields spliced
 *   between methods, wrong wire types on known fields, int64 extremes, empty and huge keys,
 *   invalid UTF-8, deeply nested Txn that decodes). These may decode and write.
 */
import type { Prng } from '../../src/base/prng.js';
import type { FuzzMethod } from './methods.js';
import { bytesField, tag, truncatedTail, varint, varintField, WireType } from './wire.js';

/** A field number no etcd message uses: always skipped by its wire type. */
const unknownField = 1000;

/** int64 values at the edges: negative, zero, the extremes, around 2^53 and 2^32. */
export const int64Extremes: readonly bigint[] = [
  -1n,
  0n,
  1n,
  -(2n ** 63n),
  2n ** 63n - 1n,
  2n ** 64n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 32n,
  2n ** 31n - 1n,
  -(2n ** 31n),
  9_000_000_001n,
];

/**
 * The extremes whose varint protobufjs reads back in step in any varint field: at most 5
 * bytes, or exactly 10. Reading a 32-bit field (or a bool) it takes 5 bytes and then skips 5
 * more whatever they are, so a 6- to 9-byte varint there leaves it out of step with the
 * message (a quirk of the decoder, not of the wire); those go to the `hostile` family.
 */
const alignedExtremes = int64Extremes.filter((v) => {
  const length = varint(v).length;
  return length <= 5 || length === 10;
});

export interface RawField {
  readonly field: number;
  readonly wireType: number;
  /** The whole field: tag and content. */
  readonly bytes: Buffer;
}

/** Splits a well-formed message into its top-level fields (valid seeds only). */
export function splitFields(message: Buffer): RawField[] {
  const fields: RawField[] = [];
  let at = 0;
  const readVarint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      const b = message[at++];
      if (b === undefined) throw new Error('fuzz: seed is not well formed');
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (at < message.length) {
    const start = at;
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === WireType.varint) readVarint();
    else if (wireType === WireType.fixed64) at += 8;
    else if (wireType === WireType.fixed32) at += 4;
    else if (wireType === WireType.bytes) {
      const length = Number(readVarint()); // read first: it moves `at`
      at += length;
    } else throw new Error(`fuzz: seed has wire type ${wireType}`);
    fields.push({ field, wireType, bytes: message.subarray(start, at) });
  }
  return fields;
}

/** A complete, well-formed unknown field of a random wire type. */
function unknownFieldOf(prng: Prng): Buffer {
  const field = unknownField + prng.int(1000);
  switch (prng.int(4)) {
    case 0:
      return varintField(field, prng.pick(int64Extremes));
    case 1:
      return Buffer.concat([tag(field, WireType.fixed64), randomBytes(prng, 8)]);
    case 2:
      return Buffer.concat([tag(field, WireType.fixed32), randomBytes(prng, 4)]);
    default:
      return bytesField(field, randomBytes(prng, prng.int(64)));
  }
}

export function randomBytes(prng: Prng, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = prng.int(256);
  return out;
}

/** Well-formed fields from a valid seed: reordered, repeated, dropped, with unknown ones. */
function wellFormedPrefix(prng: Prng, method: FuzzMethod): Buffer {
  const fields = splitFields(prng.pick(method.seeds));
  const out: Buffer[] = [];
  for (const f of fields) {
    if (prng.chance(0.2)) continue;
    if (f.wireType === WireType.varint && prng.chance(0.3)) {
      out.push(varintField(f.field, prng.pick(alignedExtremes)));
    } else out.push(f.bytes);
    if (prng.chance(0.2)) out.push(f.bytes);
    if (prng.chance(0.2)) out.push(unknownFieldOf(prng));
  }
  return Buffer.concat(prng.chance(0.3) ? prng.shuffle(out) : out);
}

/** A bad ending no decoder can get past. */
function badTail(prng: Prng): Buffer {
  switch (prng.int(5)) {
    case 0: // a varint that never ends
      return Buffer.concat([
        tag(unknownField, WireType.varint),
        Buffer.alloc(1 + prng.int(12), 0xff),
      ]);
    case 1: {
      // a length far past the end; its low 32 bits too (a decoder may keep only those)
      const low = BigInt(1_000_000 + prng.int(0x7fff_0000));
      const high = prng.pick([0n, 1n, 2n ** 31n - 1n, 2n ** 32n - 1n]) << 32n;
      return Buffer.concat([
        tag(unknownField, WireType.bytes),
        varint(high | low),
        randomBytes(prng, prng.int(16)),
      ]);
    }
    case 2: // wire types 6 and 7 do not exist
      return Buffer.concat([
        tag(unknownField + prng.int(100), 6 + prng.int(2)),
        randomBytes(prng, prng.int(8)),
      ]);
    case 3: // a fixed64 with fewer than 8 bytes
      return Buffer.concat([tag(unknownField, WireType.fixed64), randomBytes(prng, prng.int(8))]);
    default:
      return truncatedTail(unknownField, 1_000_000 + prng.int(1_000_000));
  }
}

/**
 * A Txn nested `depth` deep through success ops (RequestOp.request_txn = 4, TxnRequest.success
 * = 2), its innermost message `core`.
 */
export function nestedTxn(depth: number, core: Buffer): Buffer {
  // Headers computed from the inside out and joined once: concatenating level by level
  // would copy the message `depth` times (gigabytes at 50,000 deep).
  const headers: Buffer[] = [];
  let length = core.length;
  for (let i = 0; i < depth; i++) {
    const op = Buffer.concat([tag(4, WireType.bytes), varint(length)]);
    const success = Buffer.concat([tag(2, WireType.bytes), varint(op.length + length)]);
    headers.push(op, success);
    length += op.length + success.length;
  }
  return Buffer.concat([...headers.reverse(), core]);
}

/** A request that must fail to decode. */
export function undecodable(prng: Prng, method: FuzzMethod): Buffer {
  if (method.name === 'Txn' && prng.chance(0.2)) {
    // Thousands deep, the innermost truncated past the end of the whole message.
    return nestedTxn(prng.pick([10, 500, 5000, 50_000]), truncatedTail(1, 1_000_000_000));
  }
  return Buffer.concat([wellFormedPrefix(prng, method), badTail(prng)]);
}

/** Byte-level mutations: flip, insert, delete, duplicate, overwrite with interesting bytes. */
export function mutateBytes(prng: Prng, input: Buffer): Buffer {
  let bytes = Buffer.from(input);
  const rounds = 1 + prng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = prng.int(bytes.length + 1);
    switch (prng.int(5)) {
      case 0:
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << prng.int(8));
        break;
      case 1:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          randomBytes(prng, 1 + prng.int(8)),
          bytes.subarray(at),
        ]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + prng.int(8))]);
        break;
      case 3:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          bytes.subarray(at / 2, at),
          bytes.subarray(at),
        ]);
        break;
      default:
        if (at < bytes.length) bytes[at] = prng.pick([0x00, 0x7f, 0x80, 0xff, 0xfe]);
    }
  }
  return bytes;
}

/** Known fields re-tagged with another wire type (the decoder may misread what follows). */
function wrongWireTypes(prng: Prng, method: FuzzMethod): Buffer {
  const fields = splitFields(prng.pick(method.seeds));
  return Buffer.concat(
    fields.map((f) => {
      if (!prng.chance(0.5)) return f.bytes;
      const wire = prng.pick([0, 1, 2, 3, 4, 5]);
      return Buffer.concat([tag(f.field, wire), f.bytes.subarray(tag(f.field, f.wireType).length)]);
    }),
  );
}

/** Varint fields 1..12 at int64's edges (revisions, limits, lease IDs, TTLs, member IDs). */
function extremeInts(prng: Prng, method: FuzzMethod): Buffer {
  const fields = splitFields(prng.pick(method.seeds)).filter((f) => f.wireType !== WireType.varint);
  const ints: Buffer[] = [];
  for (let field = 1; field <= 12; field++) {
    if (prng.chance(0.5)) ints.push(varintField(field, prng.pick(int64Extremes)));
  }
  return Buffer.concat([
    ...fields.filter((f) => f.field > 12 || prng.chance(0.5)).map((f) => f.bytes),
    ...ints,
  ]);
}

const invalidUtf8: readonly Buffer[] = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
];

/** Length-delimited fields 1..4 as empty, huge or invalid UTF-8 (keys, names, passwords). */
function oddBytes(prng: Prng, method: FuzzMethod): Buffer {
  const fields = splitFields(prng.pick(method.seeds));
  return Buffer.concat(
    fields.map((f) => {
      if (f.wireType !== WireType.bytes || !prng.chance(0.6)) return f.bytes;
      const choice = prng.int(4);
      const content =
        choice === 0
          ? Buffer.alloc(0)
          : choice === 1
            ? Buffer.alloc(prng.pick([4096, 1024 * 1024, 1.6 * 1024 * 1024]), 0x61)
            : choice === 2
              ? prng.pick(invalidUtf8)
              : Buffer.concat([Buffer.from('k'), prng.pick(invalidUtf8), Buffer.from([0])]);
      return bytesField(f.field, content);
    }),
  );
}

/** A request that may decode (and then may write). */
export function hostile(prng: Prng, method: FuzzMethod, all: readonly FuzzMethod[]): Buffer {
  switch (prng.int(8)) {
    case 0:
      return randomBytes(prng, prng.chance(0.9) ? prng.int(64) : prng.int(4096));
    case 1:
    case 2:
      return mutateBytes(prng, prng.pick(method.seeds));
    case 3: {
      // fields of another method's request spliced in
      const other = prng.pick(prng.pick(all).seeds);
      return Buffer.concat(
        prng.shuffle(
          [...splitFields(prng.pick(method.seeds)), ...splitFields(other)].map((f) => f.bytes),
        ),
      );
    }
    case 4:
      return wrongWireTypes(prng, method);
    case 5:
      return extremeInts(prng, method);
    case 6:
      return oddBytes(prng, method);
    default:
      if (method.name === 'Txn') {
        const core = bytesField(2, bytesField(1, bytesField(1, Buffer.from('fuzz/deep'))));
        return nestedTxn(prng.pick([2, 64, 1000, 3000]), core);
      }
      return Buffer.concat([prng.pick(method.seeds), unknownFieldOf(prng), unknownFieldOf(prng)]);
  }
}
