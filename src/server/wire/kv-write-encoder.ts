/**
 * The KV writes' answers encoded by hand:
 *   etcdserverpb.PutResponse: header 1, prev_kv 2;
 *   etcdserverpb.DeleteRangeResponse: header 1, deleted 2, prev_kvs 3;
 *   etcdserverpb.TxnResponse: header 1, succeeded 2, responses 3, each a ResponseOp whose
 *   oneof is response_range 1, response_put 2, response_delete_range 3 or response_txn 4.
 *
 * A put's answer was protobufjs's generic path (fromObject over a plain object whose int64s
 * are decimal strings, a Long parsed from each, then encode), a few percent of a leader's CPU
 * under many clients' puts. Here the store's numbers are written directly and the header's
 * bytes come from the watch encoder's cache; a txn's nested answers all carry the outer
 * header, as etcd's do, so its bytes are written once per op from the same buffer.
 *
 * The bytes are what etcd's Go encoder writes (./proto-writer.ts); protobufjs writes the same
 * bytes for the same message with its defaults left out (test/server/kv-write-encoder-fuzz.test.ts).
 */
import type {
  DeleteRangeResponse,
  PutResponse,
  ResponseOp,
  TxnResponse,
} from '../../mvcc/types.js';
import type { ResponseHeader } from '../../node/api.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import {
  bytesFieldSize,
  keyValueSize,
  Sizes,
  varintFieldSize,
  varintOf,
  varintSize,
  writeKeyValue,
  Writer,
} from './proto-writer.js';
import { rangeResponseSize, writeRangeResponse } from './range-encoder.js';
import { encodeHeader } from './watch-encoder.js';

/** A PutResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodePut(header: ResponseHeader, response: PutResponse): PreEncoded {
  const headerBytes = encodeHeader(header);
  const prev = response.prevKv;
  if (prev === undefined) {
    // The common answer: the header field alone.
    const w = new Writer(bytesFieldSize(headerBytes.length));
    w.bytesField(1, headerBytes);
    return preEncoded(w.done('put'));
  }
  const prevSize = keyValueSize(prev);
  const w = new Writer(bytesFieldSize(headerBytes.length) + bytesFieldSize(prevSize));
  w.bytesField(1, headerBytes);
  writeKeyValue(w, 2, prev, prevSize);
  return preEncoded(w.done('put'));
}

/** A DeleteRangeResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeDeleteRange(
  header: ResponseHeader,
  response: DeleteRangeResponse,
): PreEncoded {
  const headerBytes = encodeHeader(header);
  const sizes = new Sizes();
  const w = new Writer(deleteRangeSize(headerBytes.length, response, sizes));
  writeDeleteRange(w, headerBytes, response, sizes);
  return preEncoded(w.done('delete range'));
}

/** A TxnResponse's bytes, ready for the proto loader's serializer to pass on. */
export function encodeTxn(header: ResponseHeader, response: TxnResponse): PreEncoded {
  const headerBytes = encodeHeader(header);
  const sizes = new Sizes();
  const w = new Writer(txnSize(headerBytes.length, response, sizes));
  writeTxn(w, headerBytes, response, sizes);
  return preEncoded(w.done('txn'));
}

// Each message below is sized by its `...Size` (recording its nested messages' sizes in
// `sizes`) and then written by its `write...` (taking them back in the same order).

function putSize(headerLength: number, response: PutResponse, sizes: Sizes): number {
  let size = bytesFieldSize(headerLength);
  if (response.prevKv !== undefined) {
    const prevSize = keyValueSize(response.prevKv);
    sizes.add(prevSize);
    size += bytesFieldSize(prevSize);
  }
  return size;
}

function writePut(w: Writer, header: Buffer, response: PutResponse, sizes: Sizes): void {
  w.bytesField(1, header);
  if (response.prevKv !== undefined) writeKeyValue(w, 2, response.prevKv, sizes.take());
}

function deleteRangeSize(
  headerLength: number,
  response: DeleteRangeResponse,
  sizes: Sizes,
): number {
  let size = bytesFieldSize(headerLength) + varintFieldSize(varintOf(response.deleted));
  for (const kv of response.prevKvs) {
    const kvSize = keyValueSize(kv);
    sizes.add(kvSize);
    size += bytesFieldSize(kvSize);
  }
  return size;
}

function writeDeleteRange(
  w: Writer,
  header: Buffer,
  response: DeleteRangeResponse,
  sizes: Sizes,
): void {
  w.bytesField(1, header);
  w.varintField(2, varintOf(response.deleted));
  for (const kv of response.prevKvs) writeKeyValue(w, 3, kv, sizes.take());
}

function txnSize(headerLength: number, response: TxnResponse, sizes: Sizes): number {
  let size = bytesFieldSize(headerLength) + (response.succeeded ? 2 : 0);
  for (const op of response.responses) {
    // The ResponseOp's size is its one field's: tag, length, the nested answer.
    const slot = sizes.reserve();
    const answerSize = responseOpAnswerSize(headerLength, op, sizes);
    sizes.set(slot, answerSize);
    size += bytesFieldSize(bytesFieldSize(answerSize));
  }
  return size;
}

function responseOpAnswerSize(headerLength: number, op: ResponseOp, sizes: Sizes): number {
  if ('responseRange' in op) return rangeResponseSize(headerLength, op.responseRange, sizes);
  if ('responsePut' in op) return putSize(headerLength, op.responsePut, sizes);
  if ('responseDeleteRange' in op) {
    return deleteRangeSize(headerLength, op.responseDeleteRange, sizes);
  }
  return txnSize(headerLength, op.responseTxn, sizes);
}

function writeTxn(w: Writer, header: Buffer, response: TxnResponse, sizes: Sizes): void {
  w.bytesField(1, header);
  if (response.succeeded) w.varintField(2, 1);
  for (const op of response.responses) {
    const answerSize = sizes.take();
    w.messageStart(3, 1 + varintSize(answerSize) + answerSize);
    if ('responseRange' in op) {
      w.messageStart(1, answerSize);
      writeRangeResponse(w, header, op.responseRange, sizes);
    } else if ('responsePut' in op) {
      w.messageStart(2, answerSize);
      writePut(w, header, op.responsePut, sizes);
    } else if ('responseDeleteRange' in op) {
      w.messageStart(3, answerSize);
      writeDeleteRange(w, header, op.responseDeleteRange, sizes);
    } else {
      w.messageStart(4, answerSize);
      writeTxn(w, header, op.responseTxn, sizes);
    }
  }
}
