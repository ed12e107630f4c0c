/**
 * Encoded protobuf sizes of watch responses, computed from the fields rather than by encoding,
 * so splitting a large response into fragments costs one pass over its events. The rules are
 * the encoder's (protobufjs through proto-loader): a field is written if it is present (not
 * undefined), even when it holds the default value; every field here has a number below 16, so
 * a one-byte tag.
 */
import type { Int64Text, WireEvent, WireKeyValue, WireResponseHeader } from '../wire/common.js';
import type { WatchResponseOut } from '../wire/watch.js';

export function varintSize(value: bigint): number {
  let rest = BigInt.asUintN(64, value);
  let size = 1;
  while (rest >= 0x80n) {
    rest >>= 7n;
    size++;
  }
  return size;
}

function int64Field(text: Int64Text | undefined): number {
  return text === undefined ? 0 : 1 + varintSize(BigInt(text));
}

function bytesField(length: number | undefined): number {
  return length === undefined ? 0 : 1 + varintSize(BigInt(length)) + length;
}

function messageField(size: number): number {
  return 1 + varintSize(BigInt(size)) + size;
}

function boolField(value: boolean | undefined): number {
  return value === undefined ? 0 : 2;
}

export function headerSize(header: WireResponseHeader): number {
  return (
    int64Field(header.clusterId) +
    int64Field(header.memberId) +
    int64Field(header.revision) +
    int64Field(header.raftTerm)
  );
}

export function keyValueSize(kv: WireKeyValue): number {
  return (
    bytesField(kv.key.length) +
    int64Field(kv.createRevision) +
    int64Field(kv.modRevision) +
    int64Field(kv.version) +
    bytesField(kv.value?.length) +
    int64Field(kv.lease)
  );
}

export function eventSize(event: WireEvent): number {
  return (
    2 + // type, always present
    messageField(keyValueSize(event.kv)) +
    (event.prevKv === undefined ? 0 : messageField(keyValueSize(event.prevKv)))
  );
}

/** The size of one event inside a WatchResponse (field 11, length-delimited). */
export function eventFieldSize(event: WireEvent): number {
  return messageField(eventSize(event));
}

/** The size of a response's fields other than its events. */
export function watchResponseBaseSize(response: WatchResponseOut): number {
  return (
    messageField(headerSize(response.header)) +
    int64Field(response.watchId) +
    boolField(response.created) +
    boolField(response.canceled) +
    int64Field(response.compactRevision) +
    bytesField(
      response.cancelReason === undefined ? undefined : Buffer.byteLength(response.cancelReason),
    ) +
    boolField(response.fragment)
  );
}

export function watchResponseSize(response: WatchResponseOut): number {
  let size = watchResponseBaseSize(response);
  for (const event of response.events ?? []) size += eventFieldSize(event);
  return size;
}
