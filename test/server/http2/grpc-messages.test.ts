// gRPC's message framing (the fast path's, and the bench generator's): messages come back
// whole however a stream's chunks split and join them, and a prefix over the limit stops it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameMessage, MessageReader } from '../../../src/server/http2/grpc-messages.js';

function readAll(chunks: readonly Buffer[], maxBytes = -1) {
  const out: Buffer[] = [];
  const tooLarge: string[] = [];
  const reader = new MessageReader(
    {
      onRequestMessage: (message) => {
        out.push(Buffer.from(message));
        return true;
      },
      onRequestTooLarge: (status) => tooLarge.push(status.details),
    },
    maxBytes,
  );
  for (const chunk of chunks) reader.push(chunk);
  return { out, tooLarge };
}

test('gRPC messages come back whole however the stream splits and joins them', () => {
  const messages = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('xyz')];
  const stream = Buffer.concat(messages.map(frameMessage));
  for (const chunkBytes of [1, 4, 5, 6, 1000, stream.length]) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += chunkBytes)
      chunks.push(stream.subarray(at, at + chunkBytes));
    assert.deepEqual(readAll(chunks).out, messages, `in chunks of ${chunkBytes} bytes`);
  }
});

test('a message longer than the limit is refused as soon as its prefix says so', () => {
  const { out, tooLarge } = readAll(
    [frameMessage(Buffer.from('ok')), frameMessage(Buffer.alloc(10)).subarray(0, 5)],
    8,
  );
  assert.deepEqual(out, [Buffer.from('ok')], 'the message before it is read');
  assert.deepEqual(tooLarge, ['Received message larger than max (10 vs 8)']);
});
