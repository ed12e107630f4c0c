/**
 * A filter on the client -> server bytes of one HTTP/2 connection that finds each request's
 * header block and lets {@link rewriteAuthority} fix a URL-valued :authority before nghttp2
 * sees it. Everything else passes through untouched and in order.
 *
 * Bounded: it holds back at most one header block (HEADERS and its CONTINUATIONs, with their
 * frame headers), up to `heldBytesMax`; DATA and every other frame pass through as they
 * arrive, without copying. On anything unexpected (a bad preface, a frame out of place, a block
 * too big or unparseable) it releases what it holds unchanged and stops parsing for the rest
 * of the connection: the stream is never corrupted, at worst left as the client sent it.
 *
 * @example
 * const rewriter = new AuthorityRewriter();
 * socket.on('data', (chunk) => { for (const out of rewriter.push(chunk)) session.write(out); });
 */
import { rewriteAuthority } from './hpack-authority.js';

/** RFC 9113 Section 3.4: the client connection preface. */
const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frameHeaderBytes = 9;
const frameTypeHeaders = 0x1;
const frameTypeContinuation = 0x9;
const flagEndHeaders = 0x4;
const flagPadded = 0x8;
const flagPriority = 0x20;
/** Stream dependency (4) + weight (1), present when PRIORITY is set (RFC 9113 6.2). */
const priorityBytes = 5;

/** Limits of one rewriter. */
export interface AuthorityRewriterOptions {
  /**
   * The most header-block bytes held back at once (HEADERS payload, CONTINUATION headers and
   * payloads; the frame header being read may add 9). A larger block passes through
   * unrewritten and ends parsing. Default: 64 KiB, far above what an etcd
   * client sends (etcdctl's blocks are ~120 bytes), and nghttp2's own header list limit.
   */
  readonly heldBytesMax?: number;
}

type Phase =
  | 'preface' // checking the 24-byte preface
  | 'frame-header' // reading a 9-byte frame header
  | 'payload' // passing a payload through
  | 'held-payload' // holding a HEADERS or CONTINUATION payload
  | 'pass-through'; // given up: everything passes untouched

export class AuthorityRewriter {
  readonly #heldBytesMax: number;
  #phase: Phase = 'preface';
  /** Bytes left in the current phase (preface, frame header or payload). */
  #remaining = preface.length;
  readonly #frameHeader = Buffer.alloc(frameHeaderBytes);
  /** The held frames, from the HEADERS payload on, while a header block is open. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Invariant: > 0 exactly while a header block is open (held, waiting for END_HEADERS). */
  #blockStreamId = 0;
  /** Where each held frame's payload starts in the held bytes, and its frame header. */
  #heldFrames: { readonly at: number; readonly header: Buffer }[] = [];
  #rewritten = 0;

  constructor(options: AuthorityRewriterOptions = {}) {
    this.#heldBytesMax = options.heldBytesMax ?? 64 * 1024;
  }

  /** How many :authority values were rewritten so far. */
  get rewritten(): number {
    return this.#rewritten;
  }

  /** True once the rewriter gave up parsing and passes everything through. */
  get passingThrough(): boolean {
    return this.#phase === 'pass-through';
  }

  /**
   * Takes the next bytes from the client; returns what may go on to the HTTP/2 session now,
   * in order. The returned buffers may be views of `chunk`; the caller owns `chunk` no longer.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    // Invariant: chunk[runStart, at) passes through and is not emitted yet; held bytes are
    // never part of it, so emitting the run before holding keeps the order.
    let runStart = 0;
    const hold = (end: number): void => {
      if (at > runStart) out.push(chunk.subarray(runStart, at));
      if (end > at) this.#held.push(chunk.subarray(at, end));
      this.#heldBytes += end - at;
      runStart = end;
    };
    while (at < chunk.length && this.#phase !== 'pass-through') {
      const take = Math.min(this.#remaining, chunk.length - at);
      const end = at + take;
      if (this.#phase === 'preface') {
        const expected = preface.subarray(preface.length - this.#remaining, preface.length);
        if (!expected.subarray(0, take).equals(chunk.subarray(at, end))) this.#giveUp(out);
      } else if (this.#phase === 'frame-header') {
        // By hand: for 9 bytes a loop is cheaper than a native copy, once per frame.
        const header = this.#frameHeader;
        for (let from = at, to = frameHeaderBytes - this.#remaining; from < end; from++, to++) {
          header[to] = chunk[from] as number;
        }
        if (this.#blockStreamId > 0) hold(end);
      } else if (this.#phase === 'held-payload') {
        hold(end);
      }
      at = end;
      this.#remaining -= take;
      if (this.#remaining > 0) continue;
      if (this.#phase === 'frame-header' && this.#blockStreamId === 0) {
        const scanned = this.#scanInPlace(chunk.subarray(at));
        if (scanned !== undefined) {
          at += scanned;
          continue;
        }
      }
      this.#onPhaseEnd(out);
    }
    if (chunk.length > runStart) out.push(chunk.subarray(runStart));
    return out;
  }

  #onPhaseEnd(out: Buffer[]): void {
    switch (this.#phase) {
      case 'preface':
      case 'payload':
        this.#expectFrameHeader();
        break;
      case 'frame-header':
        this.#onFrameHeader(out);
        break;
      case 'held-payload':
        this.#onHeldPayloadEnd(out);
        break;
      case 'pass-through':
        break;
    }
  }

  /**
   * The common case, without holding or copying: a whole header block in one HEADERS frame
   * that lies within the chunk at hand is rewritten where it is and passes with the run.
   * Returns the payload bytes consumed, or undefined when this frame needs the general path.
   */
  #scanInPlace(rest: Buffer): number | undefined {
    const header = this.#frameHeader;
    const length = header.readUIntBE(0, 3);
    const flags = header[4] as number;
    const isHeaders = header[3] === frameTypeHeaders && (header.readUInt32BE(5) & 0x7fffffff) > 0;
    if (!isHeaders || (flags & flagEndHeaders) === 0 || length > rest.length) return undefined;
    const scan = rewriteBlock(rest.subarray(0, length), [{ at: 0, header }]);
    if (scan.ok) {
      this.#rewritten += scan.rewritten;
      this.#expectFrameHeader();
    } else {
      this.#phase = 'pass-through';
    }
    return length;
  }

  #expectFrameHeader(): void {
    this.#phase = 'frame-header';
    this.#remaining = frameHeaderBytes;
  }

  /** Decides what the frame just announced is: passed through, or held as a header block. */
  #onFrameHeader(out: Buffer[]): void {
    const header = this.#frameHeader;
    const length = header.readUIntBE(0, 3);
    const type = header[3] as number;
    const streamId = header.readUInt32BE(5) & 0x7fffffff;
    if (this.#blockStreamId > 0) {
      // RFC 9113 6.10: only CONTINUATION frames of the same stream may follow an open block.
      if (type !== frameTypeContinuation || streamId !== this.#blockStreamId) {
        this.#giveUp(out);
        return;
      }
      this.#heldFrames.push({ at: this.#heldBytes, header: Buffer.from(header) });
      this.#enterPayload(length, 'held-payload', out);
      return;
    }
    if (type !== frameTypeHeaders || streamId === 0) {
      this.#enterPayload(length, 'payload', out);
      return;
    }
    // The HEADERS frame header itself never changes and has passed on; hold from its payload.
    this.#blockStreamId = streamId;
    this.#heldFrames.push({ at: 0, header: Buffer.from(header) });
    this.#enterPayload(length, 'held-payload', out);
  }

  #enterPayload(length: number, phase: 'payload' | 'held-payload', out: Buffer[]): void {
    if (phase === 'held-payload' && this.#heldBytes + length > this.#heldBytesMax) {
      this.#giveUp(out);
      return;
    }
    this.#phase = phase;
    this.#remaining = length;
    if (length === 0) this.#onPhaseEnd(out);
  }

  #onHeldPayloadEnd(out: Buffer[]): void {
    const last = this.#heldFrames[this.#heldFrames.length - 1];
    if (last === undefined || ((last.header[4] as number) & flagEndHeaders) === 0) {
      this.#expectFrameHeader(); // a CONTINUATION must follow
      return;
    }
    const frames = Buffer.concat(this.#held, this.#heldBytes);
    const scan = rewriteBlock(frames, this.#heldFrames);
    this.#release(out, frames);
    if (!scan.ok) {
      this.#phase = 'pass-through';
      return;
    }
    this.#rewritten += scan.rewritten;
    this.#expectFrameHeader();
  }

  /** Emits the held bytes (rewritten or not) and closes the block. */
  #release(out: Buffer[], frames?: Buffer): void {
    if (frames !== undefined) out.push(frames);
    else out.push(...this.#held);
    this.#held = [];
    this.#heldBytes = 0;
    this.#heldFrames = [];
    this.#blockStreamId = 0;
  }

  #giveUp(out: Buffer[]): void {
    if (this.#phase === 'pass-through') return;
    this.#release(out);
    this.#phase = 'pass-through';
  }
}

/**
 * Cuts the header block fragments out of the held frames (the HEADERS payload, then each
 * CONTINUATION's header and payload), rewrites the block, and puts the fragments back.
 */
function rewriteBlock(
  frames: Buffer,
  heldFrames: readonly { readonly at: number; readonly header: Buffer }[],
): { ok: true; rewritten: number } | { ok: false } {
  const fragments: { start: number; end: number }[] = [];
  for (const [index, frame] of heldFrames.entries()) {
    const length = frame.header.readUIntBE(0, 3);
    let start = frame.at;
    let end = frame.at + length;
    if (index === 0) {
      const flags = frame.header[4] as number;
      if (flags & flagPadded) {
        if (length < 1) return { ok: false };
        end -= frames[start] as number;
        start += 1;
      }
      if (flags & flagPriority) start += priorityBytes;
      if (start > end) return { ok: false };
    }
    fragments.push({ start, end });
  }
  const only = fragments.length === 1 ? fragments[0] : undefined;
  if (only !== undefined) {
    // One fragment: rewrite it where it lies (rewriteAuthority is all or nothing).
    const scan = rewriteAuthority(frames.subarray(only.start, only.end));
    return scan.ok ? scan : { ok: false };
  }
  const block = Buffer.concat(fragments.map(({ start, end }) => frames.subarray(start, end)));
  const scan = rewriteAuthority(block);
  if (!scan.ok) return { ok: false };
  if (scan.rewritten === 0) return scan;
  let from = 0;
  for (const { start, end } of fragments) {
    block.copy(frames, start, from, from + (end - start));
    from += end - start;
  }
  return scan;
}
