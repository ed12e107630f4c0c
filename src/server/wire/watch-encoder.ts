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
import type { Event, KeyValue } from '../../mvcc/types.js';
import type { Int64Text } from './common.js';
import { preEncoded, type PreEncoded } from './pre-encoded.js';

const wireVarint = 0;
const wireBytes = 2;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** A varint's value: a non-negative safe integer, or (larger, or a negative int64) a bigint. */
type Varint = number | bigint;

/** An int64 or uint64 as its varint: negative int64s take ten bytes (two's complement). */
function varintOf(value: number | bigint): Varint {
  if (typeof value === 'number') return value >= 0 ? value : BigInt.asUintN(64, BigInt(value));
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : BigInt.asUintN(64, value);
}

function varintSize(value: Varint): number {
  if (typeof value === 'number') {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
    let size = 4;
    for (let rest = Math.floor(value / 0x10000000); rest > 0; rest = Math.floor(rest / 0x80))
      size++;
    return size;
  }
  let size = 1;
  for (let rest = value; rest >= 0x80n; rest >>= 7n) size++;
  return size;
}

class Writer {
  readonly buffer: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  byte(value: number): void {
    this.buffer[this.pos++] = value;
  }

  varint(value: Varint): void {
    if (typeof value === 'number') {
      let rest = value;
      while (rest >= 0x80) {
        this.buffer[this.pos++] = (rest % 0x80) | 0x80;
        rest = Math.floor(rest / 0x80);
      }
      this.buffer[this.pos++] = rest;
      return;
    }
    let rest = value;
    while (rest >= 0x80n) {
      this.buffer[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.pos++] = Number(rest);
  }

  bytes(value: Uint8Array): void {
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** The buffer, checked to be exactly filled (a size and a write that disagree is a bug). */
  done(): Buffer {
    if (this.pos !== this.buffer.length) {
      throw new Error(`watch encoder: wrote ${this.pos} of ${this.buffer.length} bytes`);
    }
    return this.buffer;
  }
}

/** Size of a varint field (tag + value), 0 if the value is the default 0. */
function varintFieldSize(value: Varint): number {
  return value === 0 || value === 0n ? 0 : 1 + varintSize(value);
}

function writeVarintField(w: Writer, field: number, value: Varint): void {
  if (value === 0 || value === 0n) return;
  w.byte(tag(field, wireVarint));
  w.varint(value);
}

/** Size of a length-delimited field holding `length` bytes. */
function bytesFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

function writeBytesField(w: Writer, field: number, value: Uint8Array): void {
  w.byte(tag(field, wireBytes));
  w.varint(value.length);
  w.bytes(value);
}

// ---- mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3, version 4, value 5, lease 6.

interface KeyValueVarints {
  readonly createRevision: Varint;
  readonly modRevision: Varint;
  readonly version: Varint;
  readonly lease: Varint;
}

function keyValueVarints(kv: KeyValue): KeyValueVarints {
  return {
    createRevision: varintOf(kv.createRevision),
    modRevision: varintOf(kv.modRevision),
    version: varintOf(kv.version),
    lease: varintOf(kv.lease),
  };
}

function keyValueSize(kv: KeyValue, v: KeyValueVarints): number {
  return (
    (kv.key.length > 0 ? bytesFieldSize(kv.key.length) : 0) +
    varintFieldSize(v.createRevision) +
    varintFieldSize(v.modRevision) +
    varintFieldSize(v.version) +
    (kv.value.length > 0 ? bytesFieldSize(kv.value.length) : 0) +
    varintFieldSize(v.lease)
  );
}

function writeKeyValue(w: Writer, kv: KeyValue, v: KeyValueVarints): void {
  if (kv.key.length > 0) writeBytesField(w, 1, kv.key);
  writeVarintField(w, 2, v.createRevision);
  writeVarintField(w, 3, v.modRevision);
  writeVarintField(w, 4, v.version);
  if (kv.value.length > 0) writeBytesField(w, 5, kv.value);
  writeVarintField(w, 6, v.lease);
}

// ---- mvccpb.Event: type 1 (PUT 0, DELETE 1), kv 2, prev_kv 3.

/** An Event's message bytes (without the tag and length of the response's events field). */
export function encodeEvent(event: Event): Buffer {
  const kv = keyValueVarints(event.kv);
  const kvSize = keyValueSize(event.kv, kv);
  const prev = event.prevKv === undefined ? undefined : keyValueVarints(event.prevKv);
  const prevSize = prev === undefined ? 0 : keyValueSize(event.prevKv!, prev);
  const type = event.type === 'DELETE' ? 1 : 0;
  const w = new Writer(
    varintFieldSize(type) +
      bytesFieldSize(kvSize) +
      (prev === undefined ? 0 : bytesFieldSize(prevSize)),
  );
  writeVarintField(w, 1, type);
  w.byte(tag(2, wireBytes));
  w.varint(kvSize);
  writeKeyValue(w, event.kv, kv);
  if (prev !== undefined) {
    w.byte(tag(3, wireBytes));
    w.varint(prevSize);
    writeKeyValue(w, event.prevKv!, prev);
  }
  return w.done();
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
  writeVarintField(w, 1, cluster);
  writeVarintField(w, 2, member);
  const bytes = w.done();
  lastIds = { clusterId: header.clusterId, memberId: header.memberId, bytes };
  return bytes;
}

function encodeHeaderFields(header: ResponseHeader, revision: number): Buffer {
  const ids = idFields(header);
  const rev = varintOf(revision);
  const term = varintOf(header.raftTerm);
  const w = new Writer(ids.length + varintFieldSize(rev) + varintFieldSize(term));
  w.bytes(ids);
  writeVarintField(w, 3, rev);
  writeVarintField(w, 4, term);
  return w.done();
}

// ---- etcdserverpb.WatchResponse: header 1, watch_id 2, ..., events 11.

/** A watch ID as its watch_id field (tag and varint; empty for ID 0), computed once per watcher. */
export function watchIdField(id: Int64Text): Buffer {
  const value = varintOf(BigInt(id));
  const w = new Writer(varintFieldSize(value));
  writeVarintField(w, 2, value);
  return w.done();
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
  writeBytesField(w, 1, header);
  w.bytes(watchId);
  for (const event of events) writeBytesField(w, 11, event);
  return preEncoded(w.done());
}
