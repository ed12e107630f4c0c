import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthorityRewriter } from '../../../src/server/http2/authority-rewriter.js';
import { huffmanEncode } from '../../../src/server/http2/huffman.js';
import { capturedAuthority, etcdctlStatusConnection } from './etcdctl-capture.js';
import { flag, frame, frameType, preface, requestBlock } from './hpack-encoder.js';

/** Feeds `input` cut at the given sizes (cycled); returns the output and the rewriter. */
function feed(
  input: Buffer,
  sizes: readonly number[],
  options?: { heldBytesMax?: number },
): { output: Buffer; rewriter: AuthorityRewriter } {
  const rewriter = new AuthorityRewriter(options);
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length] as number;
    // A fresh copy per chunk, as a socket hands them over.
    out.push(...rewriter.push(Buffer.from(input.subarray(at, at + size))));
    at += size;
  }
  return { output: Buffer.concat(out), rewriter };
}

/** Chunkings: whole, one byte at a time, and a few irregular ones. */
const chunkings: readonly (readonly number[])[] = [
  [1 << 20],
  [1],
  [2, 7],
  [5, 1, 13],
  [9],
  [24, 9],
];

const settings = frame(frameType.settings, 0, 0, Buffer.alloc(0));
const data = (streamId: number, text: string): Buffer =>
  frame(frameType.data, flag.endStream, streamId, Buffer.from(text));
const headers = (streamId: number, block: Buffer, flags: number = flag.endHeaders): Buffer =>
  frame(frameType.headers, flags, streamId, block);

function connection(...frames: Buffer[]): Buffer {
  return Buffer.concat([preface, ...frames]);
}

describe('AuthorityRewriter: the client -> server byte stream', () => {
  it('rewrites the connection etcdctl 3.4 really sent, however it is cut', () => {
    const at = etcdctlStatusConnection.indexOf(capturedAuthority.value);
    const expected = Buffer.from(etcdctlStatusConnection);
    huffmanEncode(Buffer.from(capturedAuthority.rewritten)).copy(expected, at);
    for (const sizes of chunkings) {
      const { output, rewriter } = feed(etcdctlStatusConnection, sizes);
      assert.deepEqual(output, expected, `cut into ${sizes.join(',')}`);
      assert.equal(rewriter.rewritten, 1);
      assert.equal(rewriter.passingThrough, false);
    }
  });

  it('rewrites each request; DATA that looks like a URL is never touched', () => {
    for (const huffman of [false, true]) {
      const input = connection(
        settings,
        headers(1, requestBlock('http://a:1', huffman)),
        data(1, 'http://a:1'),
        headers(3, requestBlock('https://b:2', huffman)),
        data(3, 'https://b:2'),
      );
      const expected = connection(
        settings,
        headers(1, requestBlock('httpx--a:1', huffman)),
        data(1, 'http://a:1'),
        headers(3, requestBlock('httpsx--b:2', huffman)),
        data(3, 'https://b:2'),
      );
      for (const sizes of chunkings) {
        const { output, rewriter } = feed(input, sizes);
        assert.deepEqual(output, expected);
        assert.equal(rewriter.rewritten, 2);
      }
    }
  });

  it('rewrites a block split across CONTINUATION frames, even inside the value', () => {
    const block = requestBlock('http://127.0.0.1:2379', true);
    const rewritten = requestBlock('httpx--127.0.0.1:2379', true);
    const at = block.length - 30; // inside the :authority value, before content-type and te
    const split = (b: Buffer): Buffer[] => [
      headers(1, b.subarray(0, at - 3), flag.endStream),
      frame(frameType.continuation, 0, 1, b.subarray(at - 3, at)),
      frame(frameType.continuation, flag.endHeaders, 1, b.subarray(at)),
    ];
    const input = connection(settings, ...split(block), headers(3, block));
    const expected = connection(settings, ...split(rewritten), headers(3, rewritten));
    for (const sizes of chunkings) {
      const { output, rewriter } = feed(input, sizes);
      assert.deepEqual(output, expected, `cut into ${sizes.join(',')}`);
      assert.equal(rewriter.rewritten, 2);
    }
  });

  it('respects PADDED and PRIORITY', () => {
    const payload = (authority: string): Buffer =>
      Buffer.concat([
        Buffer.from([4]), // pad length
        Buffer.from([0, 0, 0, 0, 15]), // stream dependency, weight
        requestBlock(authority, true),
        Buffer.alloc(4, 0x68), // padding that looks like 'h's: must stay as it is
      ]);
    const flags = flag.endHeaders | flag.padded | flag.priority;
    const { output, rewriter } = feed(
      connection(frame(frameType.headers, flags, 1, payload('http://a:1'))),
      [3],
    );
    assert.deepEqual(output, connection(frame(frameType.headers, flags, 1, payload('httpx--a:1'))));
    assert.equal(rewriter.rewritten, 1);
  });

  describe('passes through unchanged, and stops parsing, on anything unexpected', () => {
    const url = requestBlock('http://a:1', false);
    const unchanged: [string, Buffer, { heldBytesMax?: number }?][] = [
      [
        'not an HTTP/2 preface',
        Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), headers(1, url)]),
      ],
      [
        'a frame between HEADERS and its CONTINUATION',
        connection(headers(1, url.subarray(0, 4), 0), settings, headers(3, url)),
      ],
      [
        'a CONTINUATION of another stream',
        connection(
          headers(1, url.subarray(0, 4), 0),
          frame(frameType.continuation, flag.endHeaders, 3, url.subarray(4)),
          headers(5, url),
        ),
      ],
      ['a malformed block', connection(headers(1, Buffer.from([0x41, 0x7f])), headers(3, url))],
      [
        'padding longer than the frame',
        connection(
          frame(frameType.headers, flag.endHeaders | flag.padded, 1, Buffer.from([9, 0x82])),
          headers(3, url),
        ),
      ],
    ];
    for (const [name, input, options] of unchanged) {
      it(name, () => {
        for (const sizes of chunkings) {
          const { output, rewriter } = feed(input, sizes, options);
          assert.deepEqual(output, input, `cut into ${sizes.join(',')}`);
          assert.equal(rewriter.passingThrough, true);
          assert.equal(rewriter.rewritten, 0);
        }
      });
    }
  });

  it('holds no more than heldBytesMax: a bigger block that must be held passes unchanged', () => {
    const url = requestBlock('http://a:1', false);
    const input = connection(headers(1, url), headers(3, url));
    // Cut small, the block must be held, and it is over the limit.
    const { output, rewriter } = feed(input, [5], { heldBytesMax: 8 });
    assert.deepEqual(output, input);
    assert.equal(rewriter.passingThrough, true);
    // Whole in one chunk, it is rewritten where it lies, and nothing is held.
    const whole = feed(input, [1 << 20], { heldBytesMax: 8 });
    assert.equal(whole.rewriter.rewritten, 2);
  });

  it('passes DATA through as views of the chunk, without copying', () => {
    const rewriter = new AuthorityRewriter();
    rewriter.push(connection(settings));
    const chunk = data(1, 'x'.repeat(1000));
    const out = rewriter.push(chunk);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.buffer, chunk.buffer);
  });
});
