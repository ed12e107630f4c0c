/**
 * Micro-benchmark of the frame layer on a unary-gRPC-like load: the reader on a stream of
 * requests (HEADERS of an indexed block + DATA with a small message, as clients send once
 * their HPACK table is warm) cut into 64 KiB socket chunks, and the writer on responses
 * (HEADERS + DATA + trailing HEADERS, 100 per take). Prints ns per frame and ns per response.
 * Run: node --import tsx test/server/h2/frame.bench.ts [messageBytes]
 */
import { clientPreface, FrameFlag, FrameType } from '../../../src/server/h2/frame.js';
import type { FrameHandler } from '../../../src/server/h2/frame-handler.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import { emptySettings, rawFrame } from './frame-recorder.js';

const messageBytes = Number(process.argv[2] ?? 64);
const requests = 10_000;
const block = Buffer.from([0x83, 0x86, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2]);
const parts: Buffer[] = [clientPreface, emptySettings];
for (let id = 1; id < requests * 2; id += 2) {
  parts.push(rawFrame(FrameType.HEADERS, FrameFlag.END_HEADERS, id, block));
  parts.push(rawFrame(FrameType.DATA, FrameFlag.END_STREAM, id, Buffer.alloc(messageBytes + 5, 1)));
}
const input = Buffer.concat(parts);
const chunks: Buffer[] = [];
for (let at = 0; at < input.length; at += 65_536) {
  chunks.push(Buffer.from(input.subarray(at, at + 65_536)));
}

/** Counts frames and octets so the work is not optimized away. */
class Counter implements FrameHandler {
  frames = 0;
  octets = 0;
  onData(_id: number, data: Uint8Array): void {
    this.frames++;
    this.octets += data.length;
  }
  onHeaders(_id: number, fragment: Uint8Array): void {
    this.frames++;
    this.octets += fragment.length;
  }
  onContinuation(): void {}
  onSettings(): void {}
  onPing(): void {}
  onGoaway(): void {}
  onRstStream(): void {}
  onWindowUpdate(): void {}
  onStreamError(): void {}
}

function timeReader(rounds: number): number {
  const counter = new Counter();
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    const reader = new FrameReader(counter);
    for (const chunk of chunks) reader.push(chunk);
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (counter.frames !== rounds * requests * 2) throw new Error(`frames ${counter.frames}`);
  return ns / counter.frames;
}

const headers = Buffer.from([
  0x88, 0x5f, 0x8b, 0x1d, 0x75, 0xd0, 0x62, 0x0d, 0x26, 0x3d, 0x4c, 0x4d, 0x65, 0x64,
]);
const trailers = Buffer.from([
  0x40, 0x88, 0x9a, 0xca, 0xc8, 0xb2, 0x12, 0x34, 0xda, 0x8f, 0x01, 0x30,
]);
const message = Buffer.alloc(messageBytes + 5, 2);

function timeWriter(rounds: number): number {
  const writer = new FrameWriter();
  let octets = 0;
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (let id = 1; id < 200; id += 2) {
      writer.writeHeaders(id, headers, false);
      writer.writeData(id, message, false);
      writer.writeHeaders(id, trailers, true);
    }
    octets += writer.take().length;
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (octets === 0) throw new Error('nothing written');
  return ns / (rounds * 100);
}

timeReader(20);
timeWriter(2000);
const readerNs = Math.min(...[1, 2, 3].map(() => timeReader(50)));
const writerNs = Math.min(...[1, 2, 3].map(() => timeWriter(5000)));
console.log(
  `message ${messageBytes} B: reader ${readerNs.toFixed(0)} ns/frame ` +
    `(${(input.length / 1e6).toFixed(1)} MB per round), writer ${writerNs.toFixed(0)} ns/response ` +
    `(HEADERS + DATA + trailers)`,
);
