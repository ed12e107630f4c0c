/**
 * Micro-benchmark: MB/s through AuthorityRewriter on a put-like stream (one HEADERS per
 * request, DATA carrying the value), against a plain copy loop as the floor.
 * Run: node --import tsx test/server/http2/rewriter.bench.ts [valueBytes]
 */
import { AuthorityRewriter } from '../../../src/server/http2/authority-rewriter.js';
import { flag, frame, frameType, indexed, preface, requestBlock } from './hpack-encoder.js';

const valueBytes = Number(process.argv[2] ?? 256);
const requests = 2000;
const first = requestBlock('http://127.0.0.1:2379', true);
// Later requests on a connection refer to the indexed :authority, as grpc-go's do.
const later = Buffer.concat([indexed(3), indexed(6), indexed(62)]);
const parts: Buffer[] = [preface];
for (let stream = 1; stream < requests * 2; stream += 2) {
  parts.push(frame(frameType.headers, flag.endHeaders, stream, stream === 1 ? first : later));
  parts.push(frame(frameType.data, flag.endStream, stream, Buffer.alloc(valueBytes + 5, 0x61)));
}
const stream = Buffer.concat(parts);
// Socket-sized chunks (64 KiB reads), as fresh buffers.
const chunks: Buffer[] = [];
for (let at = 0; at < stream.length; at += 65536) {
  chunks.push(Buffer.from(stream.subarray(at, at + 65536)));
}

function run(name: string, pass: (chunk: Buffer) => number): void {
  const rounds = Math.max(20, Math.ceil(2e9 / stream.length / 10));
  let bytes = 0;
  for (let i = 0; i < 3; i++) for (const chunk of chunks) bytes += pass(chunk); // warm up
  bytes = 0;
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (const chunk of chunks) bytes += pass(chunk);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbs = bytes / 1e6 / seconds;
  console.log(
    `${name.padEnd(32)} ${mbs.toFixed(0).padStart(7)} MB/s  ${((requests * rounds) / seconds / 1e6).toFixed(2)} M requests/s`,
  );
}

console.log(
  `${requests} put-like requests, ${valueBytes}-byte values, ${stream.length} bytes per pass`,
);
let rewriter = new AuthorityRewriter();
run('rewriter (parsing every frame)', (chunk) => {
  if (chunk === chunks[0]) rewriter = new AuthorityRewriter();
  let n = 0;
  for (const out of rewriter.push(chunk)) n += out.length;
  return n;
});
run('floor: Buffer.concat copy', (chunk) => Buffer.concat([chunk]).length);
