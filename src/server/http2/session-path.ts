/**
 * Chooses, per gRPC connection, how Node's HTTP/2 session reads it:
 *
 * - 'native': the session gets the socket itself, and nghttp2 reads and writes it in C++.
 * - 'rewrite': the session reads the socket through ./rewriting-socket.ts, which fixes a
 *   URL-valued :authority (etcdctl 3.4, see ../listener.ts). Every byte then crosses two JS
 *   streams each way (that Duplex and Node's JSStreamSocket adapter): on a busy member about
 *   a tenth of its CPU, on every request of every client.
 *
 * A client sends the same :authority on every request of a connection (grpc-go and grpc-js
 * fix it per channel), so the connection's first request decides. But a client sends its
 * first request only once it has the server's connection preface (grpc-go waits for it), and
 * the session must not start before the choice. So this sends the preface itself: the
 * SETTINGS frame the session would send (grpc-js sets only MAX_CONCURRENT_STREAMS). It then
 * reads up to the first complete header block and the client's ACK of that SETTINGS, and
 * drops the ACK: the session sends its own SETTINGS when it starts (the client applies the
 * same values twice and ACKs each), and must see exactly one ACK, its own. The bytes read,
 * less that ACK, go to the chosen path before anything else.
 *
 * Anything unexpected before the first request (a PING, a stream frame, no request within
 * `requestWaitMs` of the ACK, more than `heldBytesMax`) chooses 'rewrite', which serves any
 * client; a client that never ACKs the preface is cut off after `ackWaitMs`.
 */
import type { Socket } from 'node:net';
import { rewriteAuthority } from './hpack-authority.js';

/** RFC 9113 Section 3.4: the client connection preface. */
const clientPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frameHeaderBytes = 9;
const frameHeaders = 0x1;
const framePriority = 0x2;
const frameSettings = 0x4;
const frameWindowUpdate = 0x8;
const frameContinuation = 0x9;
const flagAck = 0x1;
const flagEndHeaders = 0x4;
const flagPadded = 0x8;
const flagPriority = 0x20;
const settingsMaxConcurrentStreams = 0x3;
const heldBytesMaxDefault = 256 * 1024;

export type SessionPath = 'native' | 'rewrite';

export interface SessionPathOptions {
  /** grpc.max_concurrent_streams as the gRPC server was given it; undefined if not set. */
  readonly maxConcurrentStreams?: number;
  /** How long after the preface's ACK the first request may take (default 2 s). */
  readonly requestWaitMs?: number;
  /** How long the client may take to ACK the preface before it is cut off (default 10 s). */
  readonly ackWaitMs?: number;
  /**
   * The most bytes held before the choice (default 256 KiB). Before it has our SETTINGS a
   * client may send its preface, SETTINGS, header blocks and a whole initial window of DATA
   * (65,535 bytes; flow control stops it there until the session's WINDOW_UPDATE), so the
   * bound leaves room for that and for large header blocks.
   */
  readonly heldBytesMax?: number;
}

/** The server's connection preface: a SETTINGS frame with what the session sends. */
export function serverPreface(maxConcurrentStreams: number | undefined): Buffer {
  if (maxConcurrentStreams === undefined)
    return Buffer.from([0, 0, 0, frameSettings, 0, 0, 0, 0, 0]);
  const frame = Buffer.alloc(frameHeaderBytes + 6);
  frame.writeUIntBE(6, 0, 3);
  frame[3] = frameSettings;
  frame.writeUInt16BE(settingsMaxConcurrentStreams, frameHeaderBytes);
  frame.writeUInt32BE(maxConcurrentStreams >>> 0, frameHeaderBytes + 2);
  return frame;
}

/** What the client's bytes so far tell (see `scan`). */
interface Scan {
  /** The path, once the first request (or something unexpected) decided it. */
  readonly path: SessionPath | undefined;
  /** Where the ACK of our SETTINGS starts, once read. */
  readonly ackAt?: number;
  /** Not HTTP/2 after all: handed on as it is, for the session to refuse. */
  readonly badPreface?: true;
}

/**
 * Reads the client's first bytes from `socket` (paused, its first bytes `seen` already read),
 * answers with the server preface, and calls `choose` once with the path and the bytes to
 * hand on first. The socket is left paused, with no listeners of this function's.
 */
export function chooseSessionPath(
  socket: Socket,
  seen: Buffer,
  options: SessionPathOptions,
  choose: (path: SessionPath, bytes: Buffer) => void,
): void {
  const heldBytesMax = options.heldBytesMax ?? heldBytesMaxDefault;
  let bytes = seen;
  let decided: SessionPath | undefined;
  let requestTimer: NodeJS.Timeout | undefined;
  const cleanup = (): void => {
    clearTimeout(ackTimer);
    clearTimeout(requestTimer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
  };
  const finish = (path: SessionPath, ackAt: number): void => {
    cleanup();
    const rest = Buffer.concat([
      bytes.subarray(0, ackAt),
      bytes.subarray(ackAt + frameHeaderBytes),
    ]);
    choose(path, rest);
  };
  const examine = (): void => {
    const scan = scanFrames(bytes);
    if (scan.badPreface === true) {
      cleanup();
      choose('rewrite', bytes);
      return;
    }
    decided ??= scan.path;
    if (scan.ackAt === undefined) {
      if (bytes.length > heldBytesMax) {
        cleanup();
        socket.destroy();
      }
      return;
    }
    if (decided !== undefined) return finish(decided, scan.ackAt);
    if (bytes.length > heldBytesMax) return finish('rewrite', scan.ackAt);
    const ackAt = scan.ackAt;
    requestTimer ??= setTimeout(() => finish('rewrite', ackAt), options.requestWaitMs ?? 2000);
  };
  const onData = (chunk: Buffer): void => {
    bytes = Buffer.concat([bytes, chunk]);
    examine();
  };
  const onClose = (): void => cleanup();
  const ackTimer = setTimeout(() => {
    cleanup();
    socket.destroy();
  }, options.ackWaitMs ?? 10_000);
  socket.on('data', onData);
  socket.on('close', onClose);
  socket.write(serverPreface(options.maxConcurrentStreams));
  examine();
  // examine() may already have chosen; otherwise read on.
  if (socket.listeners('data').includes(onData)) socket.resume();
}

/**
 * Walks the client's bytes: the preface, then frames. The first complete header block
 * decides the path by its :authority; a frame a client does not send before its first
 * request decides 'rewrite'. The first SETTINGS ACK is the one to drop.
 */
function scanFrames(bytes: Buffer): Scan {
  const prefix = bytes.subarray(0, clientPreface.length);
  if (!prefix.equals(clientPreface.subarray(0, prefix.length)))
    return { path: 'rewrite', badPreface: true };
  let path: SessionPath | undefined;
  let ackAt: number | undefined;
  let block: Buffer[] | undefined; // an open header block: HEADERS without END_HEADERS yet
  let offset = clientPreface.length;
  while (offset + frameHeaderBytes <= bytes.length) {
    const length = bytes.readUIntBE(offset, 3);
    const type = bytes[offset + 3]!;
    const flags = bytes[offset + 4]!;
    const end = offset + frameHeaderBytes + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + frameHeaderBytes, end);
    if (type === frameSettings && (flags & flagAck) !== 0 && length === 0 && ackAt === undefined) {
      ackAt = offset;
    } else if (path === undefined) {
      if (block !== undefined) {
        if (type !== frameContinuation) {
          path = 'rewrite';
        } else {
          block.push(payload);
          if ((flags & flagEndHeaders) !== 0) path = pathFor(Buffer.concat(block));
        }
      } else if (type === frameHeaders) {
        const fragment = headersFragment(payload, flags);
        if (fragment === undefined) path = 'rewrite';
        else if ((flags & flagEndHeaders) !== 0) path = pathFor(fragment);
        else block = [fragment];
      } else if (type !== frameSettings && type !== frameWindowUpdate && type !== framePriority) {
        path = 'rewrite'; // a PING, a DATA frame, ...: not a client's usual opening
      }
    }
    offset = end;
  }
  return { path, ackAt };
}

/** The HEADERS payload without its padding and priority fields (RFC 9113 6.2). */
function headersFragment(payload: Buffer, flags: number): Buffer | undefined {
  let start = 0;
  let end = payload.length;
  if ((flags & flagPadded) !== 0) {
    if (payload.length < 1) return undefined;
    end -= payload[0]!;
    start = 1;
  }
  if ((flags & flagPriority) !== 0) start += 5;
  return start <= end ? payload.subarray(start, end) : undefined;
}

/** 'native' unless the block's :authority needs the rewrite (or the block does not parse). */
function pathFor(block: Buffer): SessionPath {
  const scan = rewriteAuthority(Buffer.from(block)); // a copy: it rewrites in place
  return scan.ok && scan.rewritten === 0 ? 'native' : 'rewrite';
}
