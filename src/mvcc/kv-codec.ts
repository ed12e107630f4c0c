/**
 * The stored form of a KeyValue (the `key` bucket's values): varints and length-prefixed
 * bytes, smaller and faster than protobuf for what we need. A tombstone stores just the key.
 * Layout: format u8 (1), key, createRevision, modRevision, version, lease (i64), value.
 */
import type { KeyValue } from './types.js';
import { ByteReader, ByteWriter, uvarintBytes } from '../base/byte-codec.js';

const kvFormat = 1;

export function encodeKeyValue(kv: KeyValue): Uint8Array {
  const size =
    1 +
    uvarintBytes(kv.key.length) +
    kv.key.length +
    uvarintBytes(kv.createRevision) +
    uvarintBytes(kv.modRevision) +
    uvarintBytes(kv.version) +
    8 +
    uvarintBytes(kv.value.length) +
    kv.value.length;
  const w = new ByteWriter(size); // exact: finish() copies nothing
  w.u8(kvFormat);
  w.bytes(kv.key);
  w.uvarint(kv.createRevision);
  w.uvarint(kv.modRevision);
  w.uvarint(kv.version);
  w.i64(kv.lease);
  w.bytes(kv.value);
  return w.finish();
}

/** Decodes a stored KeyValue; the result's byte fields are views into `bytes`. */
export function decodeKeyValue(bytes: Uint8Array): KeyValue {
  const r: ByteReader = new ByteReader(bytes, 'stored KeyValue');
  const format = r.u8();
  if (format !== kvFormat) r.corrupt(`unknown format ${format}`);
  const key = r.bytes();
  const createRevision = r.uvarint();
  const modRevision = r.uvarint();
  const version = r.uvarint();
  const lease = r.i64();
  const value = r.bytes();
  r.end();
  return { key, createRevision, modRevision, version, value, lease };
}
