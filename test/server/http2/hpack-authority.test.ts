import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteAuthority } from '../../../src/server/http2/hpack-authority.js';
import { huffmanDecode, huffmanEncode } from '../../../src/server/http2/huffman.js';
import { capturedAuthority, etcdctlStatusConnection } from './etcdctl-capture.js';
import type { Indexing } from './hpack-encoder.js';
import {
  indexed,
  literalIndexedName,
  literalNewName,
  requestBlock,
  sizeUpdate,
} from './hpack-encoder.js';

/** Rewrites a copy; returns the scan and the bytes after. */
function rewrite(block: Buffer): { scan: ReturnType<typeof rewriteAuthority>; after: Buffer } {
  const after = Buffer.from(block);
  return { scan: rewriteAuthority(after), after };
}

describe('rewriteAuthority: URL-valued :authority in an HPACK block', () => {
  const cases: [string, string][] = [
    ['http://127.0.0.1:2379', 'httpx--127.0.0.1:2379'],
    ['https://127.0.0.1:2379', 'httpsx--127.0.0.1:2379'],
    ['http://[::1]:2379/', 'httpx--[::1]:2379-'],
    [
      'http://etcd-0.etcd.default.svc.cluster.local:2379',
      'httpx--etcd-0.etcd.default.svc.cluster.local:2379',
    ],
  ];
  for (const huffman of [false, true]) {
    for (const [url, expected] of cases) {
      it(`${huffman ? 'Huffman' : 'plain'} ${url} -> ${expected}, same length`, () => {
        const { scan, after } = rewrite(requestBlock(url, huffman));
        assert.deepEqual(scan, { ok: true, rewritten: 1 });
        assert.deepEqual(after, requestBlock(expected, huffman));
      });
    }
  }

  for (const indexing of ['incremental', 'without', 'never'] as Indexing[]) {
    for (const huffman of [false, true]) {
      it(`literal ${indexing} indexing, ${huffman ? 'Huffman' : 'plain'}: indexed and literal names`, () => {
        const options = { huffman, indexing };
        const block = Buffer.concat([
          literalIndexedName(1, 'http://a:1', options),
          literalNewName(':authority', 'http://b:2', options),
        ]);
        const { scan, after } = rewrite(block);
        assert.deepEqual(scan, { ok: true, rewritten: 2 });
        assert.deepEqual(
          after,
          Buffer.concat([
            literalIndexedName(1, 'httpx--a:1', options),
            literalNewName(':authority', 'httpx--b:2', options),
          ]),
        );
      });
    }
  }

  it('leaves host:port, other headers holding URLs, and indexed fields alone', () => {
    const block = Buffer.concat([
      sizeUpdate(4096),
      indexed(3),
      literalIndexedName(1, '127.0.0.1:2379', { huffman: true }),
      literalIndexedName(51, 'http://referer/', { huffman: false }), // referer
      literalNewName('x-url', 'http://x/', { huffman: true }),
      literalIndexedName(4, 'http://path', { huffman: false }), // :path
      indexed(62),
    ]);
    const { scan, after } = rewrite(block);
    assert.deepEqual(scan, { ok: true, rewritten: 0 });
    assert.deepEqual(after, block);
  });

  it('reads multi-octet integers (a value over 127 octets, a large size update)', () => {
    const long = `http://${'h'.repeat(300)}:2379`;
    const block = Buffer.concat([
      sizeUpdate(1 << 20),
      literalIndexedName(1, long, { huffman: false }),
    ]);
    const { scan, after } = rewrite(block);
    assert.deepEqual(scan, { ok: true, rewritten: 1 });
    assert.deepEqual(
      after,
      Buffer.concat([
        sizeUpdate(1 << 20),
        literalIndexedName(1, long.replace('://', 'x--'), { huffman: false }),
      ]),
    );
  });

  it('reports a block cut inside a representation as malformed', () => {
    const block = requestBlock('http://a:1', false);
    for (let cut = 1; cut < block.length; cut++) {
      const truncated = Buffer.from(block.subarray(0, cut));
      const scan = rewriteAuthority(truncated);
      // A cut on a representation boundary is a valid (shorter) block.
      if (scan.ok) continue;
      assert.match(scan.reason, /^malformed header block/);
    }
    assert.equal(rewriteAuthority(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0x7f])).ok, false);
  });

  it('leaves a Huffman value that is not valid Huffman untouched', () => {
    // 0x41, then Huffman length 1 with zero padding: not valid; nghttp2 will refuse it itself.
    const block = Buffer.from([0x41, 0x81, 0x00]);
    const { scan, after } = rewrite(block);
    assert.deepEqual(scan, { ok: true, rewritten: 0 });
    assert.deepEqual(after, block);
  });

  it('rewrites the block etcdctl 3.4 really sent', () => {
    // The HEADERS payload of the capture: after the preface (24) and two SETTINGS frames (18),
    // and its own 9-byte frame header.
    const block = Buffer.from(etcdctlStatusConnection.subarray(24 + 18 + 9, 24 + 18 + 9 + 119));
    const at = block.indexOf(capturedAuthority.representation) + 2;
    assert.equal(
      Buffer.from(huffmanDecode(block.subarray(at, at + 16)) ?? []).toString(),
      capturedAuthority.text,
    );
    assert.deepEqual(rewriteAuthority(block), { ok: true, rewritten: 1 });
    assert.deepEqual(
      block.subarray(at, at + 16),
      huffmanEncode(Buffer.from(capturedAuthority.rewritten)),
    );
  });
});
