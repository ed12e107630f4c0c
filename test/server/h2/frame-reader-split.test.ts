/**
 * The reader's output does not depend on how the socket cut the bytes: one connection's
 * bytes (preface and frames of every type, padded and not, a header block across
 * CONTINUATIONs, frames of the max size) are fed whole, split at every offset, one octet at a
 * time and in seeded random cuts; the same events must come out each time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../../src/base/prng.js';
import { FrameFlag, FrameType } from '../../../src/server/h2/frame.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { connection, type FrameEvent, FrameRecorder, rawFrame, u32 } from './frame-recorder.js';

const { END_STREAM, ACK, END_HEADERS, PADDED } = FrameFlag;

function patterned(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

const stream = connection(
  rawFrame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0x10, 0, 0, 0, 3, 0, 0, 0, 100])),
  rawFrame(FrameType.WINDOW_UPDATE, 0, 0, u32(1 << 20)),
  rawFrame(FrameType.SETTINGS, ACK, 0),
  rawFrame(FrameType.HEADERS, END_HEADERS, 1, patterned(40, 1)),
  rawFrame(FrameType.DATA, END_STREAM, 1, patterned(100, 2)),
  rawFrame(
    FrameType.HEADERS,
    PADDED,
    3,
    Buffer.concat([Buffer.from([4]), patterned(300, 3), Buffer.alloc(4)]),
  ),
  rawFrame(FrameType.CONTINUATION, 0, 3, patterned(5, 4)),
  rawFrame(FrameType.CONTINUATION, END_HEADERS, 3, patterned(16_384, 5)),
  rawFrame(
    FrameType.DATA,
    PADDED,
    3,
    Buffer.concat([Buffer.from([10]), patterned(16_373, 6), Buffer.alloc(10)]),
  ),
  rawFrame(FrameType.DATA, 0, 3, Buffer.alloc(0)),
  rawFrame(FrameType.PING, 0, 0, patterned(8, 7)),
  rawFrame(0x20, 0, 0, patterned(17, 8)),
  rawFrame(FrameType.PRIORITY, 0, 5, Buffer.from([0, 0, 0, 1, 16])),
  rawFrame(FrameType.DATA, END_STREAM, 3, patterned(1, 9)),
  rawFrame(FrameType.RST_STREAM, 0, 1, u32(8)),
  rawFrame(FrameType.WINDOW_UPDATE, 0, 3, u32(0)),
  rawFrame(FrameType.PING, ACK, 0, patterned(8, 10)),
  rawFrame(FrameType.GOAWAY, 0, 0, Buffer.concat([u32(3), u32(0), patterned(20, 11)])),
);

/** The events of reading `bytes` cut at `cuts` (ascending offsets); each piece a fresh copy. */
function readCut(bytes: Buffer, cuts: readonly number[]): FrameEvent[] {
  // Copies, not hex: tens of thousands of reads of 33 KB, compared by content all the same.
  const recorder = new FrameRecorder(true);
  const reader = new FrameReader(recorder);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh copy per piece, as a socket hands them over, so views into an old piece would show.
    reader.push(new Uint8Array(bytes.subarray(from, cut)));
    from = cut;
  }
  return recorder.events;
}

describe('FrameReader: chunk boundaries anywhere', () => {
  const whole = readCut(stream, []);

  it('reads the whole connection in one chunk', () => {
    assert.equal(whole.length, 17);
    assert.deepEqual(whole.at(-1), ['goaway', 3, 0, patterned(20, 11)]);
  });

  it('gives the same events split in two at every offset', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(readCut(stream, [cut]), whole, `cut at ${cut}`);
    }
  });

  it('gives the same events fed one octet at a time', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(readCut(stream, cuts), whole);
  });

  it('gives the same events in seeded random cuts', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const prng = new Prng(seed);
      const cuts: number[] = [];
      // Small pieces around headers, large ones across payloads.
      for (
        let at = prng.range(1, 64);
        at < stream.length;
        at += prng.range(1, prng.int(2) === 0 ? 20 : 20_000)
      ) {
        cuts.push(at);
      }
      assert.deepEqual(readCut(stream, cuts), whole, `seed ${seed}`);
    }
  });
});
