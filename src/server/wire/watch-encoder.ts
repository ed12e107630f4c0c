/**
 * Watch event responses encoded by hand (etcdserverpb.WatchResponse with events, and its
 * mvccpb.Event, mvccpb.KeyValue and ResponseHeader), for the fan-out path: one committed
 * event goes to every watcher of its key, and protobufjs would convert and encode it again in
 * each watcher's response. Here each Event is encoded once (cached by object: the watch hub
 * hands every watcher the same immutable Event) and a response is its header, its watch_id and
 * the cached event bytes side by side.
 *
 * The bytes are what etcd's Go encoder writes: fields in number order, a field at its proto3
 * default (0, empty, false) left out; decoders fill those in, so protobufjs reads them back
 * as the objects the generic path would have sent (test/server/watch-encoder.test.ts).
 * Every field number here is below 16, so every tag is one byte.
 */
import type { ResponseHeader } from '../../node/api.js';
import type { Event } from '../../mvcc/types.js';
import type { Int64Text } from './common.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';
import {
  bytesFieldSize,
  keyValueSize,
  varintFieldSize,
  varintOf,
  writeKeyValue,
  Writer,
} from './proto-writer.js';

// ---- mvccpb.Event: type 1 (PUT 0, DELETE 1), kv 2, prev_kv 3.

/** An Event's message bytes (without the tag and length of the response's events field). */
export function encodeEvent(event: Event): Buffer {
  const kvSize = keyValueSize(event.kv);
  const prevSize = event.prevKv === undefined ? 0 : keyValueSize(event.prevKv);
  const type = event.type === 'DELETE' ? 1 : 0;
  const w = new Writer(
    varintFieldSize(type) +
      bytesFieldSize(kvSize) +
      (event.prevKv === undefined ? 0 : bytesFieldSize(prevSize)),
  );
  w.varintField(1, type);
  writeKeyValue(w, 2, event.kv, kvSize);
  if (event.prevKv !== undefined) writeKeyValue(w, 3, event.prevKv, prevSize);
  return w.done('watch');
}

const encodedEvents = new WeakMap<Event, Buffer>();

/** `encodeEvent`, once per Event object however many responses carry it. */
export function eventBytes(event: Event): Buffer {
  let bytes = encodedEvents.get(event);
  if (bytes === undefined) encodedEvents.set(event, (bytes = encodeEvent(event)));
  return bytes;
}

// ---- etcdserverpb.ResponseHeader: cluster_id 1, member_id 2, revision 3, raft_term 4.

let lastHeader: { readonly header: ResponseHeader; readonly revision: number; bytes: Buffer } = {
  header: { clusterId: -1n, memberId: -1n, revision: -1, raftTerm: -1 },
  revision: -1,
  bytes: Buffer.alloc(0),
};

/**
 * A ResponseHeader's bytes. Every watcher of one revision gets the same header, so the last
 * one is kept and reused while the values stay the same.
 */
export function encodeHeader(header: ResponseHeader, revision = header.revision): Buffer {
  const last = lastHeader;
  if (
    last.revision === revision &&
    last.header.raftTerm === header.raftTerm &&
    last.header.memberId === header.memberId &&
    last.header.clusterId === header.clusterId
  ) {
    return last.bytes;
  }
  const bytes = encodeHeaderFields(header, revision);
  lastHeader = { header, revision, bytes };
  return bytes;
}

let lastIds: { readonly clusterId: bigint; readonly memberId: bigint; readonly bytes: Buffer } = {
  clusterId: -1n,
  memberId: -1n,
  bytes: Buffer.alloc(0),
};

/**
 * The cluster_id and member_id fields, which never change for a member: kept, so a header at
 * a new revision (every write's answer has one) costs no 64-bit (bigint) varint work.
 */
function idFields(header: ResponseHeader): Buffer {
  const last = lastIds;
  if (last.clusterId === header.clusterId && last.memberId === header.memberId) return last.bytes;
  const cluster = varintOf(header.clusterId);
  const member = varintOf(header.memberId);
  const w = new Writer(varintFieldSize(cluster) + varintFieldSize(member));
  w.varintField(1, cluster);
  w.varintField(2, member);
  const bytes = w.done('watch');
  lastIds = { clusterId: header.clusterId, memberId: header.memberId, bytes };
  return bytes;
}

function encodeHeaderFields(header: ResponseHeader, revision: number): Buffer {
  const ids = idFields(header);
  const rev = varintOf(revision);
  const term = varintOf(header.raftTerm);
  const w = new Writer(ids.length + varintFieldSize(rev) + varintFieldSize(term));
  w.bytes(ids);
  w.varintField(3, rev);
  w.varintField(4, term);
  return w.done('watch');
}

// ---- etcdserverpb.WatchResponse: header 1, watch_id 2, ..., events 11.

/** A watch ID as its watch_id field (tag and varint; empty for ID 0), computed once per watcher. */
export function watchIdField(id: Int64Text): Buffer {
  const value = varintOf(BigInt(id));
  const w = new Writer(varintFieldSize(value));
  w.varintField(2, value);
  return w.done('watch');
}

/**
 * A WatchResponse carrying events: the header (from `encodeHeader`), the watch_id field (from
 * `watchIdField`) and each event's bytes (from `eventBytes`), in order.
 */
export function encodeEventsResponse(
  header: Buffer,
  watchId: Buffer,
  events: readonly Buffer[],
): PreEncoded {
  let size = bytesFieldSize(header.length) + watchId.length;
  for (const event of events) size += bytesFieldSize(event.length);
  const w = new Writer(size);
  w.bytesField(1, header);
  w.bytes(watchId);
  for (const event of events) w.bytesField(11, event);
  return preEncoded(w.done('watch'));
}
