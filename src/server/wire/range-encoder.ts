/**
 * etcdserverpb.RangeResponse encoded by hand: header 1, kvs 2 (mvccpb.KeyValue: key 1,
 * create_revision 2, mod_revision 3, version 4, value 5, lease 6), more 3, count 4.
 *
 * A Range answer is the whole of a read's work on the wire, and protobufjs's generic path
 * (fromObject over a plain object whose int64s are decimal strings, a Long parsed from each,
 * then encode) was its largest single share after gRPC itself. Here the store's numbers are
 * written directly, and the header's bytes come from the watch encoder's cache (the same
 * header answers every read until the revision or term moves).
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0, false, empty) left out, a negative int64 as ten bytes (two's complement).
 * Decoded with the proto loader they equal the generic path's (test/server/range-encoder.test.ts).
 */
import type { RangeResponse } from '../../mvcc/types.js';
import type { ResponseHeader } from '../../node/api.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import {
  bytesFieldSize,
  keyValueSize,
  Sizes,
  varintFieldSize,
  varintOf,
  writeKeyValue,
  Writer,
} from './proto-writer.js';
import { encodeHeader } from './watch-encoder.js';

/**
 * A RangeResponse's message size with the header's bytes `headerLength` long; each KeyValue's
 * size goes to `sizes` for `writeRangeResponse`.
 */
export function rangeResponseSize(
  headerLength: number,
  response: RangeResponse,
  sizes: Sizes,
): number {
  let size = bytesFieldSize(headerLength);
  for (const kv of response.kvs) {
    const kvSize = keyValueSize(kv);
    sizes.add(kvSize);
    size += bytesFieldSize(kvSize);
  }
  return size + (response.more ? 2 : 0) + varintFieldSize(varintOf(response.count));
}

/** The fields of a RangeResponse sized by `rangeResponseSize`. */
export function writeRangeResponse(
  w: Writer,
  header: Buffer,
  response: RangeResponse,
  sizes: Sizes,
): void {
  w.bytesField(1, header);
  for (const kv of response.kvs) writeKeyValue(w, 2, kv, sizes.take());
  if (response.more) w.varintField(3, 1);
  w.varintField(4, varintOf(response.count));
}

/** A RangeResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeRange(header: ResponseHeader, response: RangeResponse): PreEncoded {
  const headerBytes = encodeHeader(header);
  const sizes = new Sizes();
  const w = new Writer(rangeResponseSize(headerBytes.length, response, sizes));
  writeRangeResponse(w, headerBytes, response, sizes);
  return preEncoded(w.done('range'));
}
