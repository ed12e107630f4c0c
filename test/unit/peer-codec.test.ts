import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcordError } from '../../src/base/errors.js';
import { Prng } from '../../src/base/prng.js';
import type { Message, MessageType } from '../../src/raft/types.js';
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameKind,
  frameHeaderBytes,
} from '../../src/transport/frame.js';
import {
  decodeMessages,
  encodeMessages,
  encodeMessagesFrame,
} from '../../src/transport/message-codec.js';

const types: MessageType[] = ['MsgApp', 'MsgAppResp', 'MsgHeartbeat', 'MsgVote', 'MsgReadIndex'];
// Values at the edges of what each field carries: 64-bit IDs, indexes up to 2^53 - 1.
const ids = [1n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 7546421076052061635n];
const numbers = [0, 1, 0xffffffff, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];

function randomMessage(rng: Prng): Message {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const bytes = (): Uint8Array => Uint8Array.from({ length: rng.int(40) }, () => rng.int(256));
  return {
    type: pick(types),
    to: pick(ids),
    from: pick(ids),
    term: pick(numbers),
    logTerm: pick(numbers),
    index: pick(numbers),
    commit: pick(numbers),
    rejectHint: pick(numbers),
    reject: rng.int(2) === 1,
    entries: Array.from({ length: rng.int(3) }, () => ({
      term: pick(numbers),
      index: pick(numbers),
      type: 'Normal' as const,
      data: bytes(),
    })),
    context: rng.int(2) === 1 ? bytes() : undefined,
    transfer: rng.int(2) === 1 ? true : undefined,
  };
}

/** Feeds `stream` to a decoder in pieces cut at `cuts`; returns the frames it gave. */
function decodeInPieces(stream: Uint8Array, cuts: number[]): Frame[] {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    decoder.push(stream.subarray(from, cut), (frame) => frames.push(frame));
    from = cut;
  }
  return frames;
}

describe('peer codec', () => {
  it('round-trips batches of messages at the edges of every field (seeded)', () => {
    const rng = new Prng(5);
    for (let round = 0; round < 300; round++) {
      const batch = Array.from({ length: 1 + rng.int(3) }, () => randomMessage(rng));
      const decoded = decodeMessages(encodeMessages(batch));
      assert.equal(decoded.length, batch.length);
      decoded.forEach((m, i) => {
        const want = batch[i]!;
        for (const field of ['type', 'to', 'from', 'term', 'logTerm', 'index', 'commit'] as const) {
          assert.equal(m[field], want[field], `round ${round} message ${i} ${field}`);
        }
        assert.equal(m.rejectHint, want.rejectHint);
        assert.equal(m.reject, want.reject);
        assert.equal(m.transfer, want.transfer);
        assert.deepEqual(m.context, want.context);
        assert.deepEqual(m.entries, want.entries);
      });
    }
  });

  it('frames a batch in one buffer, byte for byte what framing its encoding gives', () => {
    const rng = new Prng(6);
    for (let round = 0; round < 50; round++) {
      const batch = [randomMessage(rng), randomMessage(rng)];
      assert.deepEqual(
        encodeMessagesFrame(batch),
        encodeFrame(FrameKind.messages, encodeMessages(batch)),
      );
    }
  });

  it('refuses an index beyond 2^53 as corrupt', () => {
    const bytes = encodeMessages([{ ...randomMessage(new Prng(1)), index: 0 }]);
    // The index follows the version (1), count (4), type and flags (2), to and from (16),
    // term and logTerm (16).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setBigUint64(1 + 4 + 2 + 16 + 16, 2n ** 53n);
    assert.throws(
      () => decodeMessages(bytes),
      (e) => e instanceof ConcordError && e.code === 'Corrupt' && /beyond 2\^53/.test(e.message),
    );
  });
});

describe('FrameDecoder', () => {
  const frames = [
    encodeFrame(FrameKind.ping, Uint8Array.of(1, 2, 3)),
    encodeMessagesFrame([randomMessage(new Prng(2))]),
    encodeFrame(FrameKind.snapshotAck, new Uint8Array()),
    encodeFrame(FrameKind.rpcRequest, new Uint8Array(300).fill(7)),
  ];
  const stream = new Uint8Array(Buffer.concat(frames));
  const expected = frames.map((f) => ({ kind: f[4], payload: f.subarray(frameHeaderBytes) }));

  it('gives the same frames however the stream is cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(decodeInPieces(stream, [cut]), expected, `one cut at ${cut}`);
    }
    const bytewise = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(decodeInPieces(stream, bytewise), expected, 'a byte at a time');
    const rng = new Prng(3);
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from({ length: rng.int(6) }, () => rng.int(stream.length + 1));
      cuts.sort((a, b) => a - b);
      assert.deepEqual(decodeInPieces(stream, cuts), expected, `cuts ${cuts.join(',')}`);
    }
  });

  it('refuses a zero or oversized length as corrupt', () => {
    for (const header of [Uint8Array.of(0, 0, 0, 0, 2), Uint8Array.of(0xff, 0xff, 0xff, 0xff)]) {
      assert.throws(
        () => new FrameDecoder().push(header, () => undefined),
        (e) => e instanceof ConcordError && e.code === 'Corrupt',
      );
    }
  });
});
