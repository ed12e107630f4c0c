import { copyInSlab, transientBytes } from '../base/byte-codec.js';
import { ConcordError } from '../base/errors.js';
import { joinU32 } from '../base/u64.js';
import { FrameKind, frameHeaderBytes, sealFrame } from './frame.js';
import type {
  ConfState,
  Entry,
  EntryType,
  Message,
  MessageType,
  NodeId,
  Snapshot,
} from '../raft/types.js';

/**
 * Raft messages on the wire between members: a compact, versioned binary encoding with
 * fixed-width integers (indexes and terms as 64-bit, asserted exact in JavaScript numbers).
 * Decoding bad bytes throws ConcordError 'Corrupt': a peer's bytes are input, not trusted.
 */
const formatVersion = 1;

const messageTypes: readonly MessageType[] = [
  'MsgHup',
  'MsgBeat',
  'MsgCheckQuorum',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgSnap',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
];
const messageTypeCode = new Map(messageTypes.map((t, i) => [t, i]));
const entryTypes: readonly EntryType[] = ['Normal', 'ConfChange'];

const twoTo32 = 2 ** 32;
// The high half of Number.MAX_SAFE_INTEGER (2^53 - 1): any larger high half is beyond it.
const highestSafeHigh = 2 ** 21 - 1;

/**
 * The member IDs last decoded, so that the few a member sees are not a new BigInt in every
 * message's `to` and `from`.
 */
class RecentIds {
  private readonly highs = new Uint32Array(8);
  private readonly lows = new Uint32Array(8);
  private readonly ids: NodeId[] = [];
  private next = 0;

  get(view: DataView, offset: number): NodeId {
    const high = view.getUint32(offset);
    const low = view.getUint32(offset + 4);
    for (let i = 0; i < this.ids.length; i++) {
      if (this.highs[i] === high && this.lows[i] === low) return this.ids[i]!;
    }
    const id = view.getBigUint64(offset);
    const slot = this.next;
    this.next = (slot + 1) % this.highs.length;
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.ids[slot] = id;
    return id;
  }
}
const recentIds = new RecentIds();

const flagReject = 1;
const flagTransfer = 2;
const flagSnapshot = 4;
const flagContext = 8;

// Encodes are synchronous, so one scratch buffer serves them all; finish() copies what was
// written into transientBytes. A buffer of its own per frame cost an ArrayBuffer, a backing
// store and an extension for every scavenge to sweep, about two per write on a leader.
const scratchBytesKept = 1024 * 1024;
let scratch: Uint8Array | undefined;

class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor() {
    this.buffer = scratch ?? new Uint8Array(4096);
    scratch = undefined; // a nested encode (none today) gets a buffer of its own
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  /** Leaves `n` bytes for the caller to fill in later. */
  skip(n: number): void {
    this.reserve(n);
    this.length += n;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buffer[this.length++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  // As two 32-bit halves: a BigInt per index and term was most of the codec's garbage.
  u64(v: number): void {
    this.reserve(8);
    this.view.setUint32(this.length, Math.floor(v / twoTo32));
    this.view.setUint32(this.length + 4, v >>> 0);
    this.length += 8;
  }

  id(v: NodeId): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written, copied out; the writer must not be used afterwards. */
  finish(): Uint8Array {
    const out = transientBytes(this.length);
    out.set(this.buffer.subarray(0, this.length));
    if (this.buffer.length <= scratchBytesKept) scratch = this.buffer;
    return out;
  }
}

class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.buffer.length) {
      throw new ConcordError('Corrupt', `peer message truncated reading ${what} at ${this.offset}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buffer[this.offset++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  u64(what: string): number {
    this.need(8, what);
    const high = this.view.getUint32(this.offset);
    const low = this.view.getUint32(this.offset + 4);
    if (high > highestSafeHigh) {
      const v = this.view.getBigUint64(this.offset);
      throw new ConcordError('Corrupt', `peer message: ${what} ${v} is beyond 2^53`);
    }
    this.offset += 8;
    return joinU32(high, low);
  }

  id(what: string): NodeId {
    this.need(8, what);
    const v = recentIds.get(this.view, this.offset);
    this.offset += 8;
    return v;
  }

  bytes(what: string): Uint8Array {
    const n = this.u32(what);
    this.need(n, what);
    // An entry's data lives in the log for thousands of writes. A view would keep its socket
    // chunk alive that long (an ArrayBuffer and a backing store per message at one client),
    // and a copy of its own is an ArrayBuffer too; a copy in the shared slab is one small
    // view, and the log drops entries oldest first, so slabs die in order. Large payloads (a
    // snapshot) stay views of their frame.
    const out = copyInSlab(this.buffer.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  get done(): boolean {
    return this.offset === this.buffer.length;
  }
}

function writeConfState(w: Writer, cs: ConfState): void {
  w.u32(cs.voters.length);
  for (const id of cs.voters) w.id(id);
  w.u32(cs.learners.length);
  for (const id of cs.learners) w.id(id);
}

function readConfState(r: Reader): ConfState {
  const voters: NodeId[] = [];
  const learners: NodeId[] = [];
  for (let n = r.u32('voters'); n > 0; n--) voters.push(r.id('voter'));
  for (let n = r.u32('learners'); n > 0; n--) learners.push(r.id('learner'));
  return { voters, learners };
}

function writeMessage(w: Writer, m: Message): void {
  w.u8(messageTypeCode.get(m.type)!);
  const flags =
    (m.reject ? flagReject : 0) |
    (m.transfer ? flagTransfer : 0) |
    (m.snapshot ? flagSnapshot : 0) |
    (m.context !== undefined ? flagContext : 0);
  w.u8(flags);
  w.id(m.to);
  w.id(m.from);
  w.u64(m.term);
  w.u64(m.logTerm);
  w.u64(m.index);
  w.u64(m.commit);
  w.u64(m.rejectHint);
  w.u32(m.entries.length);
  for (const e of m.entries) {
    w.u64(e.term);
    w.u64(e.index);
    w.u8(entryTypes.indexOf(e.type));
    w.bytes(e.data);
  }
  if (m.context !== undefined) w.bytes(m.context);
  if (m.snapshot) {
    w.u64(m.snapshot.metadata.index);
    w.u64(m.snapshot.metadata.term);
    writeConfState(w, m.snapshot.metadata.confState);
    w.bytes(m.snapshot.data);
  }
}

function readMessage(r: Reader): Message {
  const type = messageTypes[r.u8('type')];
  if (type === undefined) throw new ConcordError('Corrupt', 'peer message: unknown type');
  const flags = r.u8('flags');
  const to = r.id('to');
  const from = r.id('from');
  const term = r.u64('term');
  const logTerm = r.u64('logTerm');
  const index = r.u64('index');
  const commit = r.u64('commit');
  const rejectHint = r.u64('rejectHint');
  const entries: Entry[] = [];
  for (let n = r.u32('entries'); n > 0; n--) {
    const eTerm = r.u64('entry term');
    const eIndex = r.u64('entry index');
    const eType = entryTypes[r.u8('entry type')];
    if (eType === undefined) throw new ConcordError('Corrupt', 'peer message: unknown entry type');
    entries.push({ term: eTerm, index: eIndex, type: eType, data: r.bytes('entry data') });
  }
  const context = flags & flagContext ? r.bytes('context') : undefined;
  let snapshot: Snapshot | undefined;
  if (flags & flagSnapshot) {
    const sIndex = r.u64('snapshot index');
    const sTerm = r.u64('snapshot term');
    const confState = readConfState(r);
    snapshot = {
      metadata: { index: sIndex, term: sTerm, confState },
      data: r.bytes('snapshot data'),
    };
  }
  return {
    type,
    to,
    from,
    term,
    logTerm,
    index,
    entries,
    commit,
    snapshot,
    reject: (flags & flagReject) !== 0,
    rejectHint,
    context,
    transfer: (flags & flagTransfer) !== 0 ? true : undefined,
  };
}

/** Encodes a batch of messages (one frame's payload). */
export function encodeMessages(messages: readonly Message[]): Uint8Array {
  const w = new Writer();
  writeBatch(w, messages);
  return w.finish();
}

/** Encodes a batch of messages as a whole `messages` frame, header and all, in one buffer. */
export function encodeMessagesFrame(messages: readonly Message[]): Uint8Array {
  const w = new Writer();
  w.skip(frameHeaderBytes);
  writeBatch(w, messages);
  return sealFrame(FrameKind.messages, w.finish());
}

function writeBatch(w: Writer, messages: readonly Message[]): void {
  w.u8(formatVersion);
  w.u32(messages.length);
  for (const m of messages) writeMessage(w, m);
}

export function decodeMessages(bytes: Uint8Array): Message[] {
  const r = new Reader(bytes);
  const version = r.u8('format version');
  if (version !== formatVersion) {
    throw new ConcordError('Corrupt', `peer message format ${version}, expected ${formatVersion}`);
  }
  const out: Message[] = [];
  for (let n = r.u32('count'); n > 0; n--) out.push(readMessage(r));
  if (!r.done) throw new ConcordError('Corrupt', 'peer message: trailing bytes');
  return out;
}
