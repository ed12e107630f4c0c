/**
 * Just enough of a DER writer (ITU-T X.690) to build one X.509 certificate: each function
 * returns the complete TLV encoding of one value, and constructed values take their already
 * encoded children. Nothing here parses; Node's X509Certificate reads what this writes.
 *
 * @example
 * const name = sequence(set(sequence(oid('2.5.4.10'), utf8('concord'))));
 */
import { assert } from '../../base/assert.js';

const tagBoolean = 0x01;
const tagInteger = 0x02;
const tagBitString = 0x03;
const tagOctetString = 0x04;
const tagOid = 0x06;
const tagUtf8String = 0x0c;
const tagUtcTime = 0x17;
const tagGeneralizedTime = 0x18;
const tagSequence = 0x30;
const tagSet = 0x31;

/** One TLV: the tag byte, the definite length (short or long form), the contents. */
export function tlv(tag: number, contents: Uint8Array): Buffer {
  assert(tag >= 0 && tag <= 0xff, 'single-byte tags only');
  const length = contents.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), contents]);
}

export function sequence(...children: Uint8Array[]): Buffer {
  return tlv(tagSequence, Buffer.concat(children));
}

export function set(...children: Uint8Array[]): Buffer {
  return tlv(tagSet, Buffer.concat(children));
}

/** `[n] EXPLICIT`: a context-specific constructed tag around one encoded value. */
export function explicit(n: number, child: Uint8Array): Buffer {
  assert(n >= 0 && n < 31, 'low tag numbers only');
  return tlv(0xa0 | n, child);
}

/** `[n] IMPLICIT` of a primitive value (e.g. a SAN's dNSName [2] or iPAddress [7]). */
export function implicitPrimitive(n: number, contents: Uint8Array): Buffer {
  assert(n >= 0 && n < 31, 'low tag numbers only');
  return tlv(0x80 | n, contents);
}

export function boolean(value: boolean): Buffer {
  return tlv(tagBoolean, Buffer.from([value ? 0xff : 0x00]));
}

/** A non-negative INTEGER from big-endian magnitude bytes (a 0x00 is prepended when needed). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = Buffer.from(magnitude.subarray(start));
  const padded = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(tagInteger, padded.length === 0 ? Buffer.from([0]) : padded);
}

export function smallInteger(value: number): Buffer {
  assert(Number.isInteger(value) && value >= 0 && value < 128, 'small integers only');
  return tlv(tagInteger, Buffer.from([value]));
}

/** BIT STRING with no unused bits (keys, signatures). */
export function bitString(bytes: Uint8Array): Buffer {
  return tlv(tagBitString, Buffer.concat([Buffer.from([0]), bytes]));
}

/** BIT STRING of named bits (bit 0 is the most significant bit of the first byte). */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  // DER: unused trailing bits are counted and zero.
  const unused = 7 - (highest & 7);
  return tlv(tagBitString, Buffer.concat([Buffer.from([unused]), bytes]));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(tagOctetString, bytes);
}

export function utf8(text: string): Buffer {
  return tlv(tagUtf8String, Buffer.from(text, 'utf8'));
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  assert(arcs.length >= 2 && arcs.every((a) => Number.isSafeInteger(a) && a >= 0), dotted);
  const [first, second, ...rest] = arcs as [number, number, ...number[]];
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc & 0x7f];
    for (let rest7 = Math.floor(arc / 128); rest7 > 0; rest7 = Math.floor(rest7 / 128)) {
      base128.unshift(0x80 | (rest7 & 0x7f));
    }
    out.push(...base128);
  }
  return tlv(tagOid, Buffer.from(out));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on, always in UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-21T09:03:50.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20261121090350
  const year = date.getUTCFullYear();
  return year < 2050
    ? tlv(tagUtcTime, Buffer.from(`${digits.slice(2)}Z`))
    : tlv(tagGeneralizedTime, Buffer.from(`${digits}Z`));
}
